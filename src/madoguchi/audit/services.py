"""The tamper-evident audit record: every state change appends one hash-chained entry."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from madoguchi.audit.models import AuditChainHead, AuditEntry


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
        "previous_hash": entry.previous_hash,
    }


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry_payload(entry)).encode()).hexdigest()


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry. Call inside the transaction of the change it records.

    The chain head stays locked until that transaction ends, so call this as late as the
    change allows. No savepoint: the caller's transaction already makes the entry and the
    change all-or-nothing, and a failure here must roll back both.
    """
    with transaction.atomic(savepoint=False):
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        actor_obj = actor if getattr(actor, "is_authenticated", False) else None
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor_obj,
            actor_label=str(actor) if actor_obj else (actor if isinstance(actor, str) else "system"),
            action=action,
            target_type=target._meta.label_lower if hasattr(target, "_meta") else str(type(target).__name__),
            target_id=str(getattr(target, "pk", target)),
            before=json.loads(_canonical(before)) if before is not None else None,
            after=json.loads(_canonical(after)) if after is not None else None,
            previous_hash=head.last_hash,
        )
        entry.entry_hash = compute_hash(entry)
        entry.save()
        head.last_entry_id = entry.id
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_entry_id", "last_hash"])
    return entry


def audit_verify() -> tuple[bool, int, str]:
    """Walk the chain. Returns (ok, entries checked, message naming the first broken entry)."""
    previous = "0" * 64
    count = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            return (
                False,
                count,
                f"entry {entry.id}: previous hash does not match (a row was deleted or reordered)",
            )
        if compute_hash(entry) != entry.entry_hash:
            return False, count, f"entry {entry.id}: content does not match its hash (the row was edited)"
        previous = entry.entry_hash
        count += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head and head.last_hash != previous:
        return False, count, "the last entries were deleted (chain head does not match)"
    return True, count, "ok"
