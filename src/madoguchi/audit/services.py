"""The tamper-evident audit record: every state change appends one hash-chained entry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, models, transaction
from django.utils import timezone

from madoguchi.audit.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:  # audit sits below accounts: the user type for hints only
    from django.contrib.auth.models import AnonymousUser

    from madoguchi.accounts.models import User


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
    actor: User | AnonymousUser | str | None,
    action: str,
    target: models.Model | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry. Call inside the transaction of the change it records.

    The chain head stays locked until that transaction ends, so call this as late as the
    change allows — or inside ``audit_batch()``, which appends the block's entries together
    at its end. No savepoint: the caller's transaction already makes the entry and the change
    all-or-nothing, and a failure here must roll back both. Every state change of the system
    passes here, so its statements are written out once (see ``_chain_sql``) instead of being
    built by the ORM on each call (docs/performance.md).
    """
    actor_obj = cast("User", actor) if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor_obj,
        actor_label=str(actor) if actor_obj else (actor if isinstance(actor, str) else "system"),
        action=action,
        target_type=target._meta.label_lower if hasattr(target, "_meta") else str(type(target).__name__),
        target_id=str(getattr(target, "pk", target)),
        before=json.loads(_canonical(before)) if before is not None else None,
        after=json.loads(_canonical(after)) if after is not None else None,
    )
    batch = getattr(connection, "_madoguchi_audit_batch", None)
    if batch is not None:
        batch.append(entry)  # chained when the batch ends (audit_batch)
        return entry
    _append(connection, [entry])
    return entry


@contextmanager
def audit_batch() -> Iterator[None]:
    """Hold back the audit entries written in the block and chain them together at its end.

    Use it inside a transaction that writes several entries with other work between them
    (opening a review case writes two): the chain head — one row every audited change of the
    whole system locks — is then locked for the block's last few statements instead of from
    its first entry to the commit. Entries are still written in the same transaction, so they
    commit or roll back with the change. Nested blocks join the outermost one.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_batch() must run inside transaction.atomic()")
    if getattr(connection, "_madoguchi_audit_batch", None) is not None:
        yield
        return
    entries: list[AuditEntry] = []
    setattr(connection, "_madoguchi_audit_batch", entries)  # noqa: B010 - a private attribute of ours
    try:
        yield
    finally:
        setattr(connection, "_madoguchi_audit_batch", None)  # noqa: B010
    if entries:
        _append(connection, entries)


def _append(conn: Any, entries: list[AuditEntry]) -> None:
    """Lock the chain head, chain and insert ``entries`` in order, move the head."""
    sql = _chain_sql(conn)
    with transaction.atomic(using=conn.alias, savepoint=False), conn.cursor() as cursor:
        cursor.execute(sql.lock_head, [1])
        row = cursor.fetchone()
        if row is None:  # a fresh database whose seed row was flushed
            AuditChainHead.objects.using(conn.alias).get_or_create(id=1)
            cursor.execute(sql.lock_head, [1])
            row = cursor.fetchone()
        previous_hash = row[0]
        for entry in entries:
            entry.previous_hash = previous_hash
            entry.entry_hash = previous_hash = compute_hash(entry)
            values = [f.get_db_prep_save(getattr(entry, f.attname), conn) for f in sql.insert_fields]
            cursor.execute(sql.insert_entry, values)
            entry.id = cursor.fetchone()[0]
            entry._state.adding = False
            entry._state.db = conn.alias
        cursor.execute(sql.update_head, [entries[-1].id, entries[-1].entry_hash, 1])


@dataclass(frozen=True)
class _ChainSql:
    lock_head: str
    insert_entry: str
    update_head: str
    insert_fields: tuple[Any, ...]


_CHAIN_SQL: dict[str, _ChainSql] = {}


def _chain_sql(conn: Any) -> _ChainSql:
    """The three statements of ``audit_record`` for this database, built once per vendor."""
    cached = _CHAIN_SQL.get(conn.vendor)
    if cached is not None:
        return cached
    quote = conn.ops.quote_name
    head = AuditChainHead._meta
    entries = AuditEntry._meta
    fields = tuple(f for f in entries.concrete_fields if not f.primary_key)
    for_update = " FOR UPDATE" if conn.features.has_select_for_update else ""
    sql = _ChainSql(
        lock_head=(
            f"SELECT {quote('last_hash')} FROM {quote(head.db_table)} WHERE {quote('id')} = %s{for_update}"
        ),
        insert_entry=(
            f"INSERT INTO {quote(entries.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(entries.pk.column)}"
        ),
        update_head=(
            f"UPDATE {quote(head.db_table)} SET {quote('last_entry_id')} = %s, {quote('last_hash')} = %s "
            f"WHERE {quote('id')} = %s"
        ),
        insert_fields=fields,
    )
    _CHAIN_SQL[conn.vendor] = sql
    return sql


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
