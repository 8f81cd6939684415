"""The tamper-evident audit record: every state change appends one hash-chained entry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from madoguchi.audit.models import AuditChainHead, AuditEntry
from madoguchi.core import hotpath, multirow

if TYPE_CHECKING:  # audit sits below accounts: the user type for hints only
    from django.contrib.auth.models import AnonymousUser

    from madoguchi.accounts.models import User


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


HASH_VERSION = 2


def _sha256(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    """Format 1: everything an entry says, hashed together (entries written before format 2)."""
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


def personal_payload(entry: AuditEntry) -> dict[str, Any]:
    """Format 2: the part retention may remove — the actor's name as shown, before and after.
    The actor's id stays in the chained part (the user row itself is anonymized, not deleted)."""
    return {"actor_label": entry.actor_label, "before": entry.before, "after": entry.after}


def compute_payload_hash(entry: AuditEntry) -> str:
    return _sha256(personal_payload(entry))


def compute_hash(entry: AuditEntry) -> str:
    """The entry's hash from what it holds now (a redacted entry: from its stored payload hash)."""
    return _sha256(hashed_part(entry))


def hashed_part(entry: AuditEntry, payload_hash: str = "") -> dict[str, Any]:
    """What ``compute_hash`` hashes (format 2 with ``payload_hash`` in place of the entry's own)."""
    if entry.hash_version == 1:
        return entry_payload(entry)
    return {
        "v": 2,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "payload_hash": payload_hash
        or (entry.payload_hash if entry.redacted_at else compute_payload_hash(entry)),
        "previous_hash": entry.previous_hash,
    }


# The open ``audit_batch()``'s entries, on the connection (a private attribute of ours)
_BATCH = "_madoguchi_audit_batch"


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
    entry = new_entry(actor=actor, action=action, target=target, before=before, after=after)
    conn = hotpath.own()  # once, not through django.db.connection's lookup per read
    batch = getattr(conn, _BATCH, None)
    if batch is not None:
        batch.append(entry)  # chained when the batch ends (audit_batch)
        return entry
    append_entries(conn, [entry])
    return entry


def new_entry(
    *,
    actor: User | AnonymousUser | str | None,
    action: str,
    target: models.Model | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """The entry ``audit_record`` appends, not yet chained."""
    actor_obj = cast("User", actor) if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        at=timezone.now(),
        actor=actor_obj,
        actor_label=str(actor) if actor_obj else (actor if isinstance(actor, str) else "system"),
        action=action,
        target_type=target._meta.label_lower if hasattr(target, "_meta") else str(type(target).__name__),
        target_id=str(getattr(target, "pk", target)),
        before=json.loads(canonical(before)) if before is not None else None,
        after=json.loads(canonical(after)) if after is not None else None,
    )


def audit_batch_holding(conn: Any) -> bool:
    """Whether an ``audit_batch()`` is open on ``conn`` (its entries are chained at its end)."""
    return getattr(conn, _BATCH, None) is not None


@contextmanager
def audit_batch() -> Iterator[None]:
    """Hold back the audit entries written in the block and chain them together at its end.

    Use it inside a transaction that writes several entries with other work between them
    (opening a review case writes two): the chain head — one row every audited change of the
    whole system locks — is then locked for the block's last few statements instead of from
    its first entry to the commit. Entries are still written in the same transaction, so they
    commit or roll back with the change. Nested blocks join the outermost one; the entries of a
    nested block that raises are dropped (its savepoint rolled its work back).
    """
    conn = hotpath.own()
    if not conn.in_atomic_block:
        raise RuntimeError("audit_batch() must run inside transaction.atomic()")
    outer: list[AuditEntry] | None = getattr(conn, _BATCH, None)
    if outer is not None:
        # A nested block (usually with a savepoint of its own) joins the outermost one; when it
        # fails, its entries are dropped with it, so a batch can skip one item and go on.
        mark = len(outer)
        try:
            yield
        except BaseException:
            del outer[mark:]
            raise
        return
    entries: list[AuditEntry] = []
    setattr(conn, _BATCH, entries)
    try:
        yield
    finally:
        setattr(conn, _BATCH, None)
    if entries:
        append_entries(conn, entries)


def audit_batch_write_after(statement: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Run ``statement`` (one data-modifying statement with ``RETURNING``) and then write the
    entries held back by the enclosing ``audit_batch()``; returns the statement's first row
    (None: it returned none, and then no entry is written).

    For a statement that locks a contended row until COMMIT (a booking taking its slot's
    places): on PostgreSQL the statement and the one-statement entry are one SQL statement
    (the statement as the first ``WITH`` part, the chain head locked only if it returned a
    row), so the row is held for that statement and the COMMIT — not also for the time the
    process needs to get back to the next statement (under load, a wait for the GIL behind
    other requests' Python). Elsewhere, or with more than one entry held, the statement runs
    and then the batch is written as ``audit_batch`` would. The caller decides what the row
    means: if it raises, the transaction (entries included) rolls back."""
    conn = hotpath.own()
    entries: list[AuditEntry] | None = getattr(conn, _BATCH, None)
    if entries is None:
        raise RuntimeError("audit_batch_write_after() must run inside audit_batch()")
    sql = _chain_sql(conn)
    if len(entries) == 1 and sql.append_after_parts[0]:
        entry = entries[0]
        with conn.cursor() as cursor:
            cursor.execute(sql.append_after(statement), [*params, *_append_one_values(conn, sql, entry)])
            row = cursor.fetchone()
        if row is None:  # nothing returned: no entry written (the caller rolls back)
            return None
        del entries[:]
        *lead, entry_id, previous_hash, entry_hash = row
        if entry_id is None:  # the head row is missing (a flushed database): the long way
            append_entries(conn, [entry])
        else:
            set_chained(entry, (entry_id, previous_hash, entry_hash), conn.alias)
        return tuple(lead)
    with conn.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is not None and entries:
        held = list(entries)
        del entries[:]
        append_entries(conn, held)
    return row


def append_entries(conn: Any, entries: list[AuditEntry]) -> None:
    """Lock the chain head, chain and insert ``entries`` in order, move the head."""
    sql = _chain_sql(conn)
    if len(entries) == 1 and sql.append_one and _append_one(conn, sql, entries[0]):
        return
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
            entry.hash_version = HASH_VERSION
            entry.payload_hash = compute_payload_hash(entry)
            entry.entry_hash = previous_hash = compute_hash(entry)
        # one multi-row INSERT per chunk (a batch of follow-ups writes dozens of entries): the ids
        # come back in the rows' order, which is the chain's order (audit_verify walks by id)
        for start in range(0, len(entries), INSERT_CHUNK):
            chunk = entries[start : start + INSERT_CHUNK]
            values = [
                f.get_db_prep_save(getattr(e, f.attname), conn) for e in chunk for f in sql.insert_fields
            ]
            # psycopg parses a %s statement of more than 50 parameters on every call: the raw
            # cursor takes it with $n placeholders as written (PostgreSQL; core/multirow.py)
            raw = multirow.raw_cursor(conn) if len(chunk) > 1 else None
            inserting = raw if raw is not None else cursor
            inserting.execute(sql.insert_entries(len(chunk), numbered=raw is not None), values)
            for entry, (entry_id,) in zip(chunk, inserting.fetchall(), strict=True):
                entry.id = entry_id
                entry._state.adding = False
                entry._state.db = conn.alias
        cursor.execute(sql.update_head, [entries[-1].id, entries[-1].entry_hash, 1])


# entries per INSERT statement (each has 13 columns: a few hundred parameters at most)
INSERT_CHUNK = 50

# The previous hash's place in an entry's canonical text (private-use characters: no field
# of an entry's chained part can hold them, and canonical keeps them as they are).
PREVIOUS_MARK = "\ue000previous\ue000"


def hash_text_around_previous(entry: AuditEntry) -> tuple[str, str]:
    """The canonical text ``compute_hash`` hashes, split where the previous hash goes:
    ``sha256(before + json(previous_hash) + after)`` is the entry's hash."""
    entry.previous_hash = PREVIOUS_MARK
    try:
        text = canonical(hashed_part(entry))
    finally:
        entry.previous_hash = ""
    before, mark, after = text.partition(json.dumps(PREVIOUS_MARK, ensure_ascii=False))
    if not mark or PREVIOUS_MARK in after:
        raise ValueError("the previous hash is not in the entry's text exactly once")
    return before, after


def _append_one(conn: Any, sql: _ChainSql, entry: AuditEntry) -> bool:
    """One entry in one statement (PostgreSQL): lock the head, insert the entry chained to it
    (its hash computed by the database from the same canonical text ``compute_hash`` uses)
    and move the head. One round trip instead of three, so the head — and whatever the caller
    locked before it, a booking's slot row say — is held for a single statement until COMMIT.
    False when the head row is missing (a flushed database): the caller takes the long way."""
    cursor = hotpath.cursor(conn)
    cursor.execute(sql.append_one, _append_one_values(conn, sql, entry))
    row = cursor.fetchone()
    if row is None:
        return False
    set_chained(entry, row, conn.alias)
    return True


def _append_one_values(conn: Any, sql: _ChainSql, entry: AuditEntry) -> list[Any]:
    """The parameters of ``sql.append_one`` for ``entry`` (its payload hash set here)."""
    entry.hash_version = HASH_VERSION
    entry.payload_hash = compute_payload_hash(entry)
    before, after = hash_text_around_previous(entry)
    values = [f.get_db_prep_save(getattr(entry, f.attname), conn) for f in sql.append_one_fields]
    return [1, *values, before, after, 1]


def set_chained(entry: AuditEntry, row: tuple[Any, ...], alias: str) -> None:
    entry.id, entry.previous_hash, entry.entry_hash = row
    entry._state.adding = False
    entry._state.db = alias


@dataclass(frozen=True)
class _ChainSql:
    lock_head: str
    insert_entry: str
    update_head: str
    insert_fields: tuple[Any, ...]
    append_one: str = ""  # PostgreSQL: the three in one statement (``_append_one``)
    append_one_fields: tuple[Any, ...] = ()
    # PostgreSQL: ``append_one`` after a leading statement (``audit_batch_write_after``): the
    # text before and after the leading statement
    append_after_parts: tuple[str, str] = ("", "")

    def append_after(self, statement: str) -> str:
        """``statement`` and one entry in one statement; empty where there is no such form."""
        if not self.append_after_parts[0]:
            return ""
        return self.append_after_parts[0] + statement + self.append_after_parts[1]

    def insert_entries(self, rows: int, *, numbered: bool = False) -> str:
        """``insert_entry`` for ``rows`` entries at once (``… VALUES (…), (…) RETURNING id``);
        ``numbered``: with ``$1``, ``$2``, … for a raw cursor. Each text is built once."""
        if rows == 1 and not numbered:
            return self.insert_entry
        key = (self.insert_entry, rows, numbered)
        text = _INSERT_TEXTS.get(key)
        if text is None:
            head, _sep, tail = self.insert_entry.partition(" VALUES ")
            one, _sep, returning = tail.partition(" RETURNING ")
            if numbered:
                width = len(self.insert_fields)
                values = ", ".join(
                    "(" + ", ".join(f"${row * width + column + 1}" for column in range(width)) + ")"
                    for row in range(rows)
                )
            else:
                values = ", ".join([one] * rows)
            text = _INSERT_TEXTS[key] = f"{head} VALUES {values} RETURNING {returning}"
        return text


# the multi-row INSERT texts by (single-row text, rows, numbered)
_INSERT_TEXTS: dict[tuple[str, int, bool], str] = {}


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
        **_append_one_sql(conn, fields),
    )
    _CHAIN_SQL[conn.vendor] = sql
    return sql


def chain_statements(conn: Any = None) -> int:
    """Statements one audit entry costs on this database: 1 on PostgreSQL (``_append_one``),
    3 elsewhere (lock the head, insert, move the head). For tests that count statements."""
    return 1 if _chain_sql(conn or connection).append_one else 3


def _append_one_sql(conn: Any, fields: tuple[Any, ...]) -> dict[str, Any]:
    if conn.vendor != "postgresql":
        return {}
    quote = conn.ops.quote_name
    head = quote(AuditChainHead._meta.db_table)
    entries = AuditEntry._meta
    chained = {"previous_hash", "entry_hash"}
    given = tuple(f for f in fields if f.attname not in chained)
    columns = ", ".join(quote(f.column) for f in given)
    casts = ", ".join(f"%s::{f.db_type(conn)}" for f in given)
    pk = quote(entries.pk.column)
    head_cte = f"SELECT {quote('last_hash')} FROM {head} WHERE {quote('id')} = %s"
    entry_cte = (
        f"entry AS (INSERT INTO {quote(entries.db_table)} ({columns}, {quote('previous_hash')}, "
        f"{quote('entry_hash')}) SELECT {casts}, head.{quote('last_hash')}, "
        f"encode(sha256(convert_to(%s::text || to_json(head.{quote('last_hash')})::text || %s::text, "
        f"'UTF8')), 'hex') FROM head RETURNING {pk}, {quote('previous_hash')}, {quote('entry_hash')})"
    )
    move = (
        f"UPDATE {head} SET {quote('last_entry_id')} = entry.{pk}, {quote('last_hash')} = entry.{quote('entry_hash')} "
        f"FROM entry WHERE {head}.{quote('id')} = %s "
        f"RETURNING entry.{pk}, entry.{quote('previous_hash')}, entry.{quote('entry_hash')}"
    )
    return {
        "append_one": f"WITH head AS ({head_cte} FOR UPDATE), {entry_cte} {move}",
        "append_one_fields": given,
        # the head is locked only if the leading statement returned a row; its row comes first
        "append_after_parts": (
            "WITH lead AS (",
            f"), head AS ({head_cte} AND EXISTS (SELECT 1 FROM lead) FOR UPDATE), {entry_cte}, "
            f"moved AS ({move}) SELECT lead.*, moved.* FROM lead LEFT JOIN moved ON true",
        ),
    }


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
        problem = _entry_problem(entry)
        if problem:
            return False, count, f"entry {entry.id}: {problem}"
        previous = entry.entry_hash
        count += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head and head.last_hash != previous:
        return False, count, "the last entries were deleted (chain head does not match)"
    return True, count, "ok"


def _entry_problem(entry: AuditEntry) -> str:
    if entry.hash_version == 2 and entry.redacted_at is not None:
        if entry.before is not None or entry.after is not None or entry.actor_label:
            return "a redacted entry holds a payload again (the row was edited)"
    elif entry.hash_version == 2 and compute_payload_hash(entry) != entry.payload_hash:
        return "content does not match its hash (the row was edited)"
    if compute_hash(entry) != entry.entry_hash:
        return "content does not match its hash (the row was edited)"
    return ""


def audit_redact(*, entries: QuerySet[AuditEntry]) -> tuple[int, int]:
    """Remove the personal payload of ``entries``; the chain still verifies (format 2 only).

    ``before``, ``after`` and the actor's name as shown go; the action, target, time and actor
    id stay, and so does ``payload_hash``, which the chain now uses instead of the payload.
    Returns (entries redacted, format-1 entries left whole because their hash covers the
    payload itself). Call inside the caller's transaction; the caller records why.
    """
    pending = entries.filter(redacted_at__isnull=True)
    legacy = pending.filter(hash_version=1).count()
    redacted = pending.filter(hash_version=2).update(
        before=None, after=None, actor_label="", redacted_at=timezone.now()
    )
    return redacted, legacy
