"""Notices (お知らせ): written by the owner/admin roles, published now, later, or kept as drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.knowledge.constants import DocType, Visibility
from madoguchi.knowledge.models import Notice
from madoguchi.knowledge.search.indexing import search_index_notice, search_remove
from madoguchi.knowledge.services.permissions import Actor, check_notice_writer

NOTICE_FIELDS = ("title", "body", "visibility")


def clean_notice(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = str(data.get("title") or "").strip()
    body = str(data.get("body") or "").strip()
    visibility = str(data.get("visibility") or Visibility.PUBLIC).strip()
    if not title:
        errors["title"] = [_("件名を入力してください。")]
    elif len(title) > 200:
        errors["title"] = [_("件名は200文字以内で入力してください。")]
    if not body:
        errors["body"] = [_("本文を入力してください。")]
    elif len(body) > 20000:
        errors["body"] = [_("本文は20,000文字以内で入力してください。")]
    if visibility not in Visibility.values:
        errors["visibility"] = [_("公開範囲を選んでください。")]
    if errors:
        raise FieldErrors(errors)
    return {"title": title, "body": body, "visibility": visibility}


def notice_create(
    *,
    organization: Organization,
    actor: Actor,
    title: str,
    body: str,
    visibility: str = Visibility.PUBLIC,
    publish: bool = True,
    published_at: datetime | None = None,
    check_permission: bool = True,
) -> Notice:
    """A new notice: published at once (or at ``published_at``), or kept as a draft."""
    if check_permission:
        check_notice_writer(actor, organization)
    data = clean_notice({"title": title, "body": body, "visibility": visibility})
    with transaction.atomic():
        notice = Notice.objects.create(
            organization=organization,
            published_at=(published_at or timezone.now()) if publish else None,
            **data,
        )
        audit_record(
            actor=actor,
            action="notice.created",
            target=notice,
            after={"title": notice.title, "published": notice.is_published},
        )
        search_index_notice(notice=notice)
    return notice


def notice_update(*, notice: Notice, actor: Actor, **changes: Any) -> Notice:
    """Save an edit; a published notice stays published and is re-indexed at once."""
    check_notice_writer(actor, notice.organization)
    current = {k: getattr(notice, k) for k in NOTICE_FIELDS}
    data = clean_notice({**current, **{k: v for k, v in changes.items() if k in NOTICE_FIELDS}})
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("organization").get(pk=notice.pk)
        changed = [k for k in NOTICE_FIELDS if getattr(notice, k) != data[k]]
        if not changed:
            return notice
        before = {k: getattr(notice, k) for k in changed}
        for key in changed:
            setattr(notice, key, data[key])
        notice.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="notice.updated",
            target=notice,
            before=before,
            after={k: data[k] for k in changed},
        )
        search_index_notice(notice=notice)
    return notice


def notice_publish(*, notice: Notice, actor: Actor) -> Notice:
    """Show the notice from now on (on its page, in search and the API)."""
    check_notice_writer(actor, notice.organization)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("organization").get(pk=notice.pk)
        if notice.published_at is not None and notice.published_at <= timezone.now():
            return notice
        before = notice.published_at
        notice.published_at = timezone.now()
        notice.save(update_fields=["published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="notice.published",
            target=notice,
            before={"published_at": before.isoformat() if before else None},
            after={"published_at": notice.published_at.isoformat()},
        )
        search_index_notice(notice=notice)
    return notice


def notice_unpublish(*, notice: Notice, actor: Actor) -> Notice:
    """Take the notice down: its page answers 404 and search no longer finds it."""
    check_notice_writer(actor, notice.organization)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("organization").get(pk=notice.pk)
        if notice.published_at is None:
            return notice
        before = notice.published_at
        notice.published_at = None
        notice.save(update_fields=["published_at", "updated_at"])
        audit_record(
            actor=actor,
            action="notice.unpublished",
            target=notice,
            before={"published_at": before.isoformat()},
            after={"published_at": None},
        )
        search_remove(doc_type=DocType.NOTICE, object_id=notice.pk)
    return notice


def notice_delete(*, notice: Notice, actor: Actor) -> None:
    check_notice_writer(actor, notice.organization)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="notice.deleted",
            target=notice,
            before={"title": notice.title, "published": notice.is_published},
        )
        search_remove(doc_type=DocType.NOTICE, object_id=notice.pk)
        notice.delete()
