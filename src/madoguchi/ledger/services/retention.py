"""Retention: an archived event keeps its personal fields for LEDGER_RETENTION_DAYS, then they are
erased. What remains is what the totals need (levels, statuses, municipalities) and the audit log."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.audit.services import audit_record
from madoguchi.ledger.constants import EventStatus
from madoguchi.ledger.models import Change, DisasterEvent, Record, RowError, StagedRow, Upload

KEY_FIELDS = [f.attname for f in Record._meta.concrete_fields if f.attname.startswith("k_")]


def event_purge(*, event: DisasterEvent, actor: User | str = "system") -> int:
    """Erase the personal fields of one archived event. Returns the number of records erased."""
    with transaction.atomic():
        locked = DisasterEvent.objects.select_for_update().get(pk=event.pk)
        if locked.status != EventStatus.ARCHIVED:
            return 0
        erased = Record.objects.filter(event=locked).update(payload="", **{name: None for name in KEY_FIELDS})
        Change.objects.filter(upload__event=locked).update(payload="")
        RowError.objects.filter(upload__event=locked).update(sealed_value="")
        StagedRow.objects.filter(upload__event=locked).delete()
        for upload in Upload.objects.filter(event=locked).exclude(sealed_file=""):
            upload.sealed_file.delete(save=False)
            Upload.objects.filter(pk=upload.pk).update(sealed_file="")
        locked.status = EventStatus.PURGED
        locked.purged_at = timezone.now()
        locked.save(update_fields=["status", "purged_at"])
        audit_record(
            actor=actor, action="ledger.personal_data_erased", target=locked, after={"records": erased}
        )
    return erased


def ledger_purge_archived(*, now: dt.datetime | None = None) -> int:
    """Erase every archived event whose retention period has ended (beat, daily)."""
    now = now or timezone.now()
    count = 0
    for event in DisasterEvent.objects.filter(status=EventStatus.ARCHIVED, purge_after__lte=now):
        event_purge(event=event)
        count += 1
    return count
