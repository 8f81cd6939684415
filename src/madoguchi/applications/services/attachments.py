"""Attachments: storing an upload, who may refer to one, linking them to an application."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from madoguchi.accounts.types import User
from madoguchi.applications.models import Application, Attachment
from madoguchi.core.errors import StorageUnavailable
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.uploads import check_upload

logger = logging.getLogger(__name__)


def validation_context(*, user: User, organization_id: int | None = None) -> ValidationContext:
    """Cleaning context: attachments can be referenced only by their owner; ``organization_id``
    is the form's organization (an e-mail field with ``staff_role`` names one of its staff)."""

    def lookup(attachment_id: str) -> Attachment | None:
        try:
            return Attachment.objects.filter(id=attachment_id, owner=user).first()
        except (ValueError, TypeError):  # not a UUID
            return None
        except Exception:  # noqa: BLE001 - e.g. ValidationError for a malformed UUID
            return None

    return ValidationContext(user=user, attachment_lookup=lookup, organization_id=organization_id)


def attachment_create(
    *, owner: User, uploaded: UploadedFile, spec: dict | None = None, field_key: str = ""
) -> Attachment:
    """Store an upload after sniffing its type from content and checking its size.

    Raises FieldValidationError (with a message naming the field) when refused, and
    ``StorageUnavailable`` when the file could not be written (nothing is left behind).
    """
    content_type = check_upload(uploaded, spec or {})
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    attachment = Attachment(
        owner=owner,
        field_key=field_key,
        original_name=(uploaded.name or "file")[-255:],
        content_type=content_type,
        size=uploaded.size or 0,
        sha256=digest.hexdigest(),
    )
    try:
        attachment.file.save(uploaded.name or "upload", uploaded, save=False)
    except OSError as exc:  # the disk full, the volume gone: nothing was left behind (core/storage.py)
        logger.exception("could not store an upload for field %r", field_key)
        raise StorageUnavailable(str(exc)) from exc
    try:
        attachment.save()
    except BaseException:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)  # a file no row points at
        raise
    return attachment


def attachments_link(*, application: Application, data: dict[str, Any]) -> None:
    """Give the application the applicant's attachments its data refers to (one UPDATE)."""
    ids = []
    for value in data.values():
        if isinstance(value, dict) and "attachment_id" in value:
            ids.append(value["attachment_id"])
        elif isinstance(value, list):
            ids += [v["attachment_id"] for v in value if isinstance(v, dict) and "attachment_id" in v]
    if ids:
        Attachment.objects.filter(id__in=ids, owner=application.applicant).update(application=application)
