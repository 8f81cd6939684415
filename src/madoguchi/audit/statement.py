"""An audit entry written by the caller's own statement, with a value that statement makes.

``audit_batch_write_after`` sends a statement and an entry known beforehand in one round trip. A
submission's entry is not known beforehand: its ``after`` carries the 受付番号 the same statement
draws from the organization's counter. Here the database completes it: the entry's ``after``,
its payload hash and its chained hash are computed from the canonical texts ``compute_hash``
uses, split in Python where the drawn value and the two hashes go (decision 0026's addendum).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from madoguchi.audit.models import AuditChainHead, AuditEntry
from madoguchi.audit.services import (
    HASH_VERSION,
    PREVIOUS_MARK,
    append_entries,
    audit_batch_holding,
    canonical,
    hashed_part,
    new_entry,
    personal_payload,
    set_chained,
)
from madoguchi.core import hotpath

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db import models

    from madoguchi.accounts.models import User

# In an entry's ``after``: where the statement's value goes (a private-use mark: no value people
# write holds it, and ``canonical`` keeps it as it is)
FILLED = "\ue000filled\ue000"
_PAYLOAD_MARK = "\ue000payload\ue000"


@dataclass
class EntryInStatement:
    """An audit entry the caller's statement writes: ``ctes`` (``, audit_… AS (…)`` parts of its
    ``WITH``, after the part they read), their ``params``, and ``returning`` (expressions without
    parameters) whose values, in order, go to ``audit_record_written``."""

    entry: AuditEntry
    ctes: str
    params: list[Any]
    returning: tuple[str, ...]


def audit_record_in_statement(
    *,
    actor: User | AnonymousUser | str | None,
    action: str,
    target: models.Model | str,
    after: dict[str, Any],
    source: str,
    filled: str,
) -> EntryInStatement | None:
    """``audit_record`` as parts of the caller's one data-modifying ``WITH`` statement, whose part
    ``source`` gives one row (or none: then nothing of the entry is written). One string of
    ``after`` contains ``FILLED`` once; the database puts there the SQL expression ``filled``
    over ``source`` (text that JSON writes as it is: digits). The chain's head is locked after
    ``source``'s row, as ``audit_record`` after the statement would lock it.

    None where this cannot be — not PostgreSQL, or an ``audit_batch()`` holds entries back —
    and then the caller calls ``audit_record`` after its statement."""
    conn = hotpath.own()
    if conn.vendor != "postgresql" or audit_batch_holding(conn):
        return None
    entry = new_entry(actor=actor, action=action, target=target, after=after)
    entry.hash_version = HASH_VERSION
    personal = canonical(personal_payload(entry)).split(FILLED)
    written = canonical(entry.after).split(FILLED)
    entry.previous_hash = PREVIOUS_MARK
    try:
        chained = canonical(hashed_part(entry, payload_hash=_PAYLOAD_MARK))
    finally:
        entry.previous_hash = ""
    first, payload, rest = chained.partition(json.dumps(_PAYLOAD_MARK, ensure_ascii=False))
    middle, previous, last = rest.partition(json.dumps(PREVIOUS_MARK, ensure_ascii=False))
    if (
        len(personal) != 2
        or len(written) != 2
        or not payload
        or not previous
        or _PAYLOAD_MARK in middle + last
        or PREVIOUS_MARK in last
    ):
        raise ValueError("FILLED must be in after once, the hashes in the chained text once each")
    sql, fields = _statement(conn, source, filled)
    values = [f.get_db_prep_save(getattr(entry, f.attname), conn) for f in fields]
    return EntryInStatement(
        entry=entry,
        ctes=sql,
        params=[*personal, *written, 1, *values, first, middle, last, 1],
        returning=_RETURNING,
    )


def audit_head_exists() -> str:
    """An SQL condition: the chain's head row exists (a statement that must not write without
    its entry can require it; without the head ``audit_record_written`` appends the entry after
    the statement)."""
    conn = hotpath.own()
    return f"EXISTS (SELECT 1 FROM {conn.ops.quote_name(AuditChainHead._meta.db_table)})"


_RETURNING = (
    *(
        f"(SELECT {column} FROM audit_moved)"
        for column in ("id", "previous_hash", "entry_hash", "payload_hash")
    ),
    "(SELECT filled FROM audit_text)",
)


def audit_record_written(held: EntryInStatement, returned: tuple[Any, ...]) -> AuditEntry:
    """The entry of ``audit_record_in_statement`` as its statement wrote it, from the values of its
    ``returning``; without the chain's head row (a flushed database: the statement wrote no entry)
    it is appended now, the long way, within the same transaction."""
    entry_id, previous_hash, entry_hash, payload_hash, filled = returned
    entry = held.entry
    entry.after = json.loads(canonical(entry.after).replace(FILLED, filled))
    conn = hotpath.own()
    if entry_id is None:
        append_entries(conn, [entry])
    else:
        entry.payload_hash = payload_hash
        set_chained(entry, (entry_id, previous_hash, entry_hash), conn.alias)
    return entry


_STATEMENT: dict[tuple[str, str, str], tuple[str, tuple[Any, ...]]] = {}


def _statement(conn: Any, source: str, filled: str) -> tuple[str, tuple[Any, ...]]:
    """The ``WITH`` parts and the fields given as parameters, built once per vendor, source and
    filled value (the same text each time: the caller's statement is looked up by it): the texts
    around the filled value, the payload hash of the completed text, the head locked only after
    the source's row, the entry inserted with its ``after`` and both hashes made by the database,
    the head moved."""
    key = (conn.vendor, source, filled)
    cached = _STATEMENT.get(key)
    if cached is not None:
        return cached
    quote = conn.ops.quote_name
    head = quote(AuditChainHead._meta.db_table)
    meta = AuditEntry._meta
    made = {"after", "payload_hash", "previous_hash", "entry_hash"}
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key and f.attname not in made)
    columns = ", ".join(quote(f.column) for f in fields)
    casts = ", ".join(f"%s::{f.db_type(conn)}" for f in fields)
    pk, last_hash = quote(meta.pk.column), quote("last_hash")
    sql = (
        ", audit_text AS (SELECT %s::text || ({filled}) || %s::text AS personal, "
        "%s::text || ({filled}) || %s::text AS written, ({filled})::text AS filled FROM {source}), "
        "audit_payload AS (SELECT encode(sha256(convert_to(personal, 'UTF8')), 'hex') AS hash, written "
        f"FROM audit_text), audit_head AS (SELECT {last_hash} FROM {head} WHERE {quote('id')} = %s "
        "AND EXISTS (SELECT 1 FROM audit_text) FOR UPDATE), "
        f"audit_entry AS (INSERT INTO {quote(meta.db_table)} ({columns}, {quote('after')}, "
        f"{quote('payload_hash')}, {quote('previous_hash')}, {quote('entry_hash')}) "
        f"SELECT {casts}, audit_payload.written::jsonb, audit_payload.hash, audit_head.{last_hash}, "
        "encode(sha256(convert_to(%s::text || to_json(audit_payload.hash)::text || %s::text || "
        f"to_json(audit_head.{last_hash})::text || %s::text, 'UTF8')), 'hex') FROM audit_head, audit_payload "
        f"RETURNING {pk}, {quote('previous_hash')}, {quote('entry_hash')}, {quote('payload_hash')}), "
        f"audit_moved AS (UPDATE {head} SET {quote('last_entry_id')} = audit_entry.{pk}, "
        f"{last_hash} = audit_entry.{quote('entry_hash')} FROM audit_entry WHERE {head}.{quote('id')} = %s "
        "RETURNING audit_entry.*)"
    )
    cached = _STATEMENT[key] = (sql.replace("{source}", source).replace("{filled}", filled), fields)
    return cached
