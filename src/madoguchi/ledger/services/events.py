"""Opening, closing and archiving a disaster event (the prefecture's ledger office)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import OrganizationKind
from madoguchi.accounts.models import Organization
from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.ledger.constants import EventStatus
from madoguchi.ledger.models import DisasterEvent, EventMunicipality
from madoguchi.ledger.protect import KeyMaker
from madoguchi.ledger.selectors import access_event
from madoguchi.ledger.selectors.events import prefectures_of


def event_create(
    *,
    user: User,
    prefecture_id: int | None,
    name: str,
    occurred_on: dt.date | None,
    municipality_ids: list[int],
) -> DisasterEvent:
    prefectures = list(prefectures_of(user))
    if not prefectures:
        raise DomainError(_("災害を登録できるのは都の台帳担当の方です。"), status=404)
    prefecture = next((p for p in prefectures if p.pk == prefecture_id), prefectures[0])
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("災害の名称を入力してください。")]
    elif len(name) > 200:
        errors["name"] = [_("名称は200文字以内で入力してください。")]
    if occurred_on is None:
        errors["occurred_on"] = [_("発生日を入力してください（例: 2026-09-01）。")]
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("発生日が未来の日付です。")]
    municipalities = list(
        Organization.objects.filter(pk__in=municipality_ids or [], kind=OrganizationKind.MUNICIPALITY)
    )
    if not municipalities:
        errors["municipalities"] = [_("対象の区市町村を1つ以上選んでください。")]
    if errors or occurred_on is None:
        raise FieldErrors(errors)
    with transaction.atomic():
        event = DisasterEvent.objects.create(
            prefecture=prefecture, name=name, occurred_on=occurred_on, created_by=user
        )
        event.key_fingerprint = KeyMaker(event_id=event.pk, salt=event.key_salt).fingerprint()
        event.save(update_fields=["key_fingerprint"])
        EventMunicipality.objects.bulk_create(
            [EventMunicipality(event=event, organization=m) for m in municipalities]
        )
        audit_record(
            actor=user,
            action="ledger.event_opened",
            target=event,
            after={
                "name": name,
                "occurred_on": occurred_on,
                "municipalities": [m.pk for m in municipalities],
            },
        )
    return event


def event_add_municipality(*, user: User, event_id: Any, organization_id: int) -> EventMunicipality:
    """Add a municipality (e.g. one receiving evacuees) to an event."""
    access = access_event(user=user, event_id=event_id)
    if not access.is_prefecture:
        raise DomainError(_("対象の区市町村を変えられるのは都の台帳担当の方です。"), status=404)
    org = Organization.objects.filter(pk=organization_id, kind=OrganizationKind.MUNICIPALITY).first()
    if org is None:
        raise FieldErrors({"organization": [_("区市町村を選んでください。")]})
    with transaction.atomic():
        participant, created = EventMunicipality.objects.get_or_create(event=access.event, organization=org)
        if created:
            audit_record(
                actor=user,
                action="ledger.municipality_added",
                target=access.event,
                after={"municipality": org.pk},
            )
    return participant


ALLOWED: dict[str, set[str]] = {
    EventStatus.OPEN: {EventStatus.CLOSED},
    EventStatus.CLOSED: {EventStatus.OPEN, EventStatus.ARCHIVED},
}


def event_set_status(*, user: User, event_id: Any, status: str) -> DisasterEvent:
    """open ⇄ closed → archived. Archiving starts the retention period (LEDGER_RETENTION_DAYS),
    after which the personal fields are erased and only the totals remain."""
    access = access_event(user=user, event_id=event_id)
    if not access.is_prefecture:
        raise DomainError(_("状態を変えられるのは都の台帳担当の方です。"), status=404)
    with transaction.atomic():
        event = DisasterEvent.objects.select_for_update().get(pk=access.event.pk)
        if status not in ALLOWED.get(event.status, set()):
            raise DomainError(_("今の状態からは変えられません。"))
        before = event.status
        event.status = status
        fields = ["status"]
        if status == EventStatus.ARCHIVED:
            event.archived_at = timezone.now()
            event.purge_after = event.archived_at + dt.timedelta(days=settings.LEDGER_RETENTION_DAYS)
            fields += ["archived_at", "purge_after"]
        event.save(update_fields=fields)
        audit_record(
            actor=user,
            action="ledger.event_status",
            target=event,
            before={"status": before},
            after={"status": status, "purge_after": event.purge_after},
        )
    return event
