"""Documents and messages in a person's mailbox, and their read receipts."""

from __future__ import annotations

import hashlib
import mimetypes

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.accounts.models import Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.notifications.constants import DocumentKind
from madoguchi.notifications.models import MailboxMessage
from madoguchi.notifications.services.enqueue import notification_enqueue


def mailbox_deliver(
    *,
    user: User,
    organization: Organization,
    subject: str,
    source_key: str,
    kind: str = DocumentKind.OTHER,
    body: str = "",
    content: bytes | None = None,
    file_name: str = "",
    content_type: str = "",
    actor: User | str = "system",
    notify: bool = True,
) -> MailboxMessage:
    """Put a document (or a message) into ``user``'s mailbox, once per ``source_key``.

    Use it for receipts (``source_key=f"receipt:{application.pk}"``), decision notices and
    payslips. The person is told by e-mail/LINE per their settings, with only the title and
    a link (the document itself never leaves the mailbox).
    """
    existing = MailboxMessage.objects.filter(user=user, source_key=source_key).first()
    if existing is not None:
        return existing
    message = MailboxMessage(
        user=user,
        organization=organization,
        kind=kind,
        subject=subject[:300],
        body=body,
        source_key=source_key[:200],
    )
    if content is not None:
        message.file_name = (file_name or "document.pdf")[-255:]
        message.content_type = (
            content_type or mimetypes.guess_type(message.file_name)[0] or "application/octet-stream"
        )
        message.size = len(content)
        message.sha256 = hashlib.sha256(content).hexdigest()
        # a random stored name: the original file name may contain a person's name
        message.file.save(f"{message.id}{_suffix(message.file_name)}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            message.save(force_insert=True)
            audit_record(
                actor=actor,
                action="mailbox.delivered",
                target=message,
                after={"user": user.pk, "kind": kind, "source_key": source_key, "sha256": message.sha256},
            )
            if notify:
                notification_enqueue(
                    recipient=user,
                    event="document.delivered",
                    organization=organization,
                    context={"document_title": subject},
                    dedupe_key=source_key,
                )
    except IntegrityError:  # delivered concurrently
        if message.file:
            message.file.delete(save=False)
        return MailboxMessage.objects.get(user=user, source_key=source_key)
    return message


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    suffix = name[dot:].lower() if dot > 0 else ""
    return suffix if suffix.isascii() and len(suffix) <= 6 else ""


def mailbox_mark_read(*, message: MailboxMessage, user: User, downloaded: bool = False) -> MailboxMessage:
    """Record the read receipt (first opening) and, for documents, the first download."""
    now = timezone.now()
    with transaction.atomic():
        first_read = MailboxMessage.objects.filter(pk=message.pk, user=user, read_at__isnull=True).update(
            read_at=now
        )
        first_download = 0
        if downloaded:
            first_download = MailboxMessage.objects.filter(
                pk=message.pk, user=user, downloaded_at__isnull=True
            ).update(downloaded_at=now)
        if first_read or first_download:
            audit_record(
                actor=user,
                action="mailbox.downloaded" if first_download else "mailbox.read",
                target=message,
                after={"at": now.isoformat()},
            )
    message.refresh_from_db(fields=["read_at", "downloaded_at"])
    return message
