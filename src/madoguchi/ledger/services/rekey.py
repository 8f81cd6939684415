"""Re-keying an event: every record's feature keys and content hash computed again, from the
record's own sealed payload, with the current match key (protect.py).

Needed when ``LEDGER_MATCH_KEY`` (or ``SECRET_KEY`` when it is unset) changes, or the keyed
hash does: the event's ``key_fingerprint`` then differs from ``KeyMaker.fingerprint()``, and
keys made before and after would never be equal. The payload is sealed again on the way, so
it also carries the current field-encryption key (as ``madoguchi crypto rotate`` would).

An event of 62 municipalities holds millions of records, so it is re-keyed in batches of
``BATCH`` records, each in its own transaction: the batch takes the event's row lock (one
re-keying at a time; a second process waits and carries on from where the first stopped) and
locks its records (an upload replacing them waits, or is waited for, row by row), rewrites them,
and moves the event's ``rekey_after`` on. A process that stops half-way leaves the event stale
with its place kept; the next ``ledger_rekey``, upload or matching run finishes it. Only after the
last batch does the event take the new ``key_fingerprint``: until then it is stale, and an
upload's snapshot replacement and a matching run finish the re-keying first
(``event_rekey_if_stale``, outside their own transaction) and check again under their locks, so no
diff or run ever compares keys of two kinds. Records an upload writes meanwhile are keyed with
the current key already; a batch that meets them again computes the same keys.
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

BATCH = 2000  # records per transaction
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
    """Re-key one event when its fingerprint is stale (or always, with ``force``), in batches of
    ``BATCH`` records, each batch its own transaction (see the module docstring)."""
    report: RekeyReport | None = None
    names: dict[str, int] | None = None
    readers: dict[int, RowReader] = {}
    while True:
        with transaction.atomic():
            event = DisasterEvent.objects.select_for_update().get(pk=event_id)
            fingerprint = current_fingerprint(event)
            if report is None:
                report = RekeyReport(event_id=event.pk, stale=event.key_fingerprint != fingerprint)
                resuming = event.rekey_target == fingerprint
                if not (report.stale or force or resuming):
                    return report
                if not resuming:  # a new re-keying (or the key changed again meanwhile)
                    event.rekey_target, event.rekey_after = fingerprint, 0
            elif event.rekey_target != fingerprint:
                # finished by another process meanwhile (nothing left to do), or begun anew
                if event.key_fingerprint == fingerprint:
                    return report
                event.rekey_target, event.rekey_after = fingerprint, 0
            if names is None:
                names = municipality_names(event.pk)
            batch = list(
                Record.objects.select_for_update()  # an upload writing these rows waits, and v.v.
                .filter(event=event, id__gt=event.rekey_after)
                .order_by("id")
                .only("id", "municipality_id", "source_key", "payload", *PLAIN_FIELDS)[:BATCH]
            )
            if batch:
                _rekey_batch(event, batch, readers, names, report)
                event.rekey_after = batch[-1].pk
                event.save(update_fields=["rekey_target", "rekey_after"])
                continue
            # every record done: the event's keys are current
            event.key_fingerprint, event.rekey_target, event.rekey_after = fingerprint, "", 0
            event.save(update_fields=["key_fingerprint", "rekey_target", "rekey_after"])
            if report.records or report.skipped:
                audit_record(
                    actor=actor,
                    action="ledger.rekeyed",
                    target=event,
                    after={"records": report.records, "skipped": report.skipped, "fingerprint": fingerprint},
                )
            return report


def _rekey_batch(
    event: DisasterEvent,
    batch: list[Record],
    readers: dict[int, RowReader],
    names: dict[str, int],
    report: RekeyReport,
) -> None:
    keyed: list[Record] = []
    for record in batch:
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
        keyed.append(record)
    report.records += _write(keyed)


def _write(batch: list[Record]) -> int:
    count = len(batch)
    if batch:
        Record.objects.bulk_update(batch, REKEYED_FIELDS, batch_size=500)
        batch.clear()
    return count


def event_rekey_if_stale(*, event_id: int) -> RekeyReport | None:
    """Called before an upload's diff and a matching run: a stale event is re-keyed first (and
    one left half-way, by a process that stopped, is finished)."""
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
