"""Anchors: signed checkpoints of the audit chain, so a rewrite shows without trusting the database.

The hash chain (audit/services.py) detects an edited or deleted entry — unless whoever edits
also recomputes every later hash, which anyone with write access to the database can do.
An anchor fixes the head at a moment: ``(sequence, entry id, entry hash, time, previous
anchor's signature)`` signed with HMAC-SHA256 under ``AUDIT_ANCHOR_KEY``, a key that lives in
the environment of the application (a secret store), never in the database. A rewritten chain
no longer has the anchored hashes, and the writer cannot sign new anchors without the key.

``audit_anchor_create`` runs from beat every ``AUDIT_ANCHOR_SECONDS`` (``audit.anchor``) and
from ``madoguchi audit anchor``; each anchor is also appended as one JSON line to
``AUDIT_ANCHOR_FILE`` when set (put it on storage the database's administrators cannot
write, or ship it with the logs) and logged. ``anchors_verify`` checks every anchor's
signature and link, that no anchor is missing from the sequence, that each anchored entry
still has its anchored hash, that the file's anchors are all still in the database, and
that the newest anchor is recent. See docs/decisions/0021-retention-and-audit-anchoring.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from madoguchi.audit.models import AuditAnchor, AuditChainHead, AuditEntry

logger = logging.getLogger("madoguchi.audit.anchor")


class AnchorKeyMissing(RuntimeError):
    pass


def _key() -> bytes:
    key = getattr(settings, "AUDIT_ANCHOR_KEY", "") or ""
    if not key:
        raise AnchorKeyMissing("AUDIT_ANCHOR_KEY is not set: audit anchors cannot be signed or checked")
    return key.encode()


def key_id(key: bytes | None = None) -> str:
    return hashlib.sha256(key if key is not None else _key()).hexdigest()[:16]


def _message(
    *, sequence: int, entry_id: int, entry_hash: str, created_at: str, previous_signature: str
) -> bytes:
    return json.dumps(
        {
            "sequence": sequence,
            "entry_id": entry_id,
            "entry_hash": entry_hash,
            "created_at": created_at,
            "previous_signature": previous_signature,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def sign(**fields: Any) -> str:
    return hmac.new(_key(), _message(**fields), hashlib.sha256).hexdigest()


def anchor_record(anchor: AuditAnchor) -> dict[str, Any]:
    """The anchor as written to the file and the log (everything needed to check it)."""
    return {
        "sequence": anchor.sequence,
        "entry_id": anchor.entry_id,
        "entry_hash": anchor.entry_hash,
        "created_at": anchor.created_at.isoformat(),
        "key_id": anchor.key_id,
        "previous_signature": anchor.previous_signature,
        "signature": anchor.signature,
    }


def audit_anchor_create() -> AuditAnchor:
    """Sign the current chain head. Takes the chain-head lock, so the head cannot move meanwhile."""
    key = _key()
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(id=1).first()
        entry_id, entry_hash = (head.last_entry_id, head.last_hash) if head else (0, "0" * 64)
        previous = AuditAnchor.objects.order_by("-sequence").first()
        fields = {
            "sequence": previous.sequence + 1 if previous else 1,
            "entry_id": entry_id,
            "entry_hash": entry_hash,
            "created_at": timezone.now().isoformat(),
            "previous_signature": previous.signature if previous else "",
        }
        anchor = AuditAnchor.objects.create(
            sequence=fields["sequence"],
            entry_id=entry_id,
            entry_hash=entry_hash,
            created_at=parse_datetime(fields["created_at"]),
            key_id=key_id(key),
            previous_signature=fields["previous_signature"],
            signature=sign(**fields),
        )
    line = json.dumps(anchor_record(anchor), sort_keys=True)
    path = getattr(settings, "AUDIT_ANCHOR_FILE", "") or ""
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    logger.info("audit anchor %s", line)
    return anchor


@dataclass
class AnchorReport:
    checked: int  # anchors in the database whose signature and entry were checked
    from_file: int  # anchors read from the file
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _valid_signature(record: dict[str, Any]) -> bool:
    expected = sign(
        sequence=int(record["sequence"]),
        entry_id=int(record["entry_id"]),
        entry_hash=str(record["entry_hash"]),
        created_at=str(record["created_at"]),
        previous_signature=str(record["previous_signature"]),
    )
    return hmac.compare_digest(expected, str(record["signature"]))


def anchors_verify(*, anchor_file: str | None = None, max_age: timedelta | None = None) -> AnchorReport:
    """Check the anchors against the key and the chain; every problem is named."""
    problems: list[str] = []
    try:
        _key()
    except AnchorKeyMissing as exc:
        return AnchorReport(checked=0, from_file=0, problems=[str(exc)])
    anchors = list(AuditAnchor.objects.order_by("sequence"))
    hashes = dict(
        AuditEntry.objects.filter(id__in={a.entry_id for a in anchors}).values_list("id", "entry_hash")
    )
    previous_signature = ""
    for position, anchor in enumerate(anchors, start=1):
        record = anchor_record(anchor)
        if anchor.sequence != position:
            problems.append(
                f"anchor {position} is missing (the next one is {anchor.sequence}): anchors were deleted"
            )
            previous_signature = anchor.previous_signature  # report the gap once, go on
        if anchor.previous_signature != previous_signature:
            problems.append(f"anchor {anchor.sequence}: it does not follow the anchor before it")
        if not _valid_signature(record):
            problems.append(
                f"anchor {anchor.sequence}: the signature does not match "
                "(written without the key, or signed with another key)"
            )
        if anchor.entry_id and hashes.get(anchor.entry_id) != anchor.entry_hash:
            problems.append(
                f"anchor {anchor.sequence}: entry {anchor.entry_id} no longer has the anchored hash "
                "(the chain was rewritten or cut)"
            )
        previous_signature = anchor.signature
        if problems and len(problems) > 20:
            problems.append("… (stopped after 20 problems)")
            break
    from_file = 0
    if anchor_file:
        by_sequence = {a.sequence: a for a in anchors}
        for number, line in enumerate(Path(anchor_file).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            from_file += 1
            try:
                record = json.loads(line)
                signed = _valid_signature(record)
            except (ValueError, KeyError, TypeError):
                problems.append(f"{anchor_file}:{number}: not an anchor record")
                continue
            if not signed:
                problems.append(f"{anchor_file}:{number}: the signature does not match")
                continue
            stored = by_sequence.get(int(record["sequence"]))
            if stored is None or stored.signature != record["signature"]:
                problems.append(
                    f"anchor {record['sequence']} from the file is not in the database (deleted or replaced)"
                )
            elif record["entry_id"] and hashes.get(int(record["entry_id"])) != record["entry_hash"]:
                problems.append(f"anchor {record['sequence']} from the file: the chain was rewritten")
    if max_age is not None:
        oldest_entry = AuditEntry.objects.order_by("id").values_list("at", flat=True).first()
        newest = anchors[-1].created_at if anchors else None
        if (
            oldest_entry
            and timezone.now() - oldest_entry > max_age
            and (newest is None or timezone.now() - newest > max_age)
        ):
            problems.append(
                "no anchor was signed recently (beat's audit.anchor is not running, or anchors were deleted)"
            )
    return AnchorReport(checked=len(anchors), from_file=from_file, problems=problems)
