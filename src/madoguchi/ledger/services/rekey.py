"""Re-keying an event: every record's feature keys and content hash computed again, from the
record's own sealed payload, with the current match key (protect.py).

Needed when ``LEDGER_MATCH_KEY`` (or ``SECRET_KEY`` when it is unset) changes, or the keyed
hash does: the event's ``key_fingerprint`` then differs from ``KeyMaker.fingerprint()``, and
keys made before and after would never be equal. The payload is sealed again on the way, so
it also carries the current field-encryption key (as ``madoguchi crypto rotate`` would).

The whole event is re-keyed in one transaction that holds the event's row lock: an upload's
snapshot replacement and a matching run of the event take the same lock first
(``event_rekey_if_stale``), so no diff or run ever sees keys of two kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from madoguchi.audit.services import audit_record
from madoguchi.ledger.models import DisasterEvent, Record
from madoguchi.ledger.protect import KeyMaker, unseal
from madoguchi.ledger.rows import SUPPORT_KEYS, RowReader
from madoguchi.ledger.selectors import municipality_names

BATCH = 2000
PLAIN_FIELDS = ["damage_level", "needs_care", "sex", *SUPPORT_KEYS]
REKEYED_FIELDS = [
    "payload",
    "content_hash",
    "home_org_id",
    "evacuated_to_id",
    *[f.attname for f in Record._meta.concrete_fields if f.attname.startswith("k_")],
]


@dataclass
class RekeyReport:
    event_id: int
    stale: bool
    records: int = 0
    skipped: int = 0  # records without a payload (erased by retention)


def current_fingerprint(event: DisasterEvent) -> str:
    return KeyMaker(event_id=event.pk, salt=event.key_salt).fingerprint()


def event_is_stale(event: DisasterEvent) -> bool:
    return event.key_fingerprint != current_fingerprint(event)


def event_rekey(*, event_id: int, force: bool = False, actor: str = "system") -> RekeyReport:
    """Re-key one event when its fingerprint is stale (or always, with ``force``)."""
    with transaction.atomic():
        event = DisasterEvent.objects.select_for_update().get(pk=event_id)
        fingerprint = current_fingerprint(event)
        report = RekeyReport(event_id=event.pk, stale=event.key_fingerprint != fingerprint)
        if not (report.stale or force):
            return report
        names = municipality_names(event.pk)
        readers: dict[int, RowReader] = {}
        records = (
            Record.objects.filter(event=event)
            .order_by("id")
            .only("id", "municipality_id", "source_key", "payload", *PLAIN_FIELDS)
        )
        batch: list[Record] = []
        for record in records.iterator(chunk_size=BATCH):
            if not record.payload:
                report.skipped += 1
                continue
            reader = readers.get(record.municipality_id)
            if reader is None:
                reader = readers[record.municipality_id] = RowReader(
                    event_id=event.pk,
                    salt=event.key_salt,
                    municipality_id=record.municipality_id,
                    municipality_names=names,
                )
            values = reader.derive(
                source_key=record.source_key,
                personal=unseal(record.payload, event_id=event.pk),
                plain={name: getattr(record, name) for name in PLAIN_FIELDS},
            )
            for name in REKEYED_FIELDS:
                setattr(record, name, values[name])
            batch.append(record)
            if len(batch) >= BATCH:
                report.records += _write(batch)
        report.records += _write(batch)
        event.key_fingerprint = fingerprint
        event.save(update_fields=["key_fingerprint"])
        if not (report.records or report.skipped):
            return report  # an event without records only learns its fingerprint
        audit_record(
            actor=actor,
            action="ledger.rekeyed",
            target=event,
            after={"records": report.records, "skipped": report.skipped, "fingerprint": fingerprint},
        )
    return report


def _write(batch: list[Record]) -> int:
    count = len(batch)
    if batch:
        Record.objects.bulk_update(batch, REKEYED_FIELDS, batch_size=500)
        batch.clear()
    return count


def event_rekey_if_stale(*, event_id: int) -> RekeyReport | None:
    """Called before an upload's diff and a matching run: a stale event is re-keyed first."""
    event = DisasterEvent.objects.only("id", "key_salt", "key_fingerprint").get(pk=event_id)
    if not event_is_stale(event):
        return None
    return event_rekey(event_id=event_id)


def events_rekey(*, force: bool = False, event_ids: list[int] | None = None) -> list[RekeyReport]:
    """Every event that still holds personal data (``madoguchi ledger_rekey``)."""
    events = DisasterEvent.objects.filter(purged_at__isnull=True)
    if event_ids:
        events = events.filter(Q(pk__in=event_ids))
    return [
        event_rekey(event_id=pk, force=force) for pk in events.order_by("id").values_list("pk", flat=True)
    ]
