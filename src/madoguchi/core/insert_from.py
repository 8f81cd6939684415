"""One statement that draws a value and writes with it (``insert_from``): on PostgreSQL a
data-modifying ``WITH`` whose source row (a counter's ``UPDATE … RETURNING``) gives computed
columns of the inserted row, with other writes along — and ``Also`` more parts (an audit entry,
``audit.statement``) — in the same round trip. The plain writes it builds on are in
``core/hotpath.py`` (decision 0029)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, models

from madoguchi.core import multirow
from madoguchi.core.hotpath import ModelUpdate, cursor, own, signalled


@dataclass
class Also:
    """More of ``insert_from``'s statement: ``ctes`` (``, name AS (…)`` parts after its other
    writes, which may read ``src`` and them), their ``params``, and ``returning`` (expressions
    without parameters) whose values the statement puts in ``values``."""

    ctes: str
    params: Sequence[Any]
    returning: Sequence[str]
    values: tuple[Any, ...] = ()


def insert_from(
    obj: models.Model,
    connection: Any,
    *,
    source: str,
    source_params: Sequence[Any],
    computed: dict[str, str],
    along: Sequence[tuple[models.Model, Sequence[str] | None]] = (),
    also: Also | None = None,
    alone: bool = False,
) -> bool:
    """``insert(obj)`` with some columns computed by the database from a row of ``source`` —
    one statement ``WITH src AS (source) INSERT … SELECT … FROM src RETURNING`` the computed
    columns, which are set on ``obj``. False (nothing inserted) when ``source`` gives no row.

    PostgreSQL only (a data-modifying ``WITH``); ``computed`` maps a field's attname to an SQL
    expression over ``src`` (no parameters). The other values go through the fields as in
    ``insert`` and are cast to their columns' types (a parameter in a select list has none).

    ``along``: other writes of the same statement, each ``(instance, None)`` — ``insert`` — or
    ``(instance, fields)`` — ``update`` — written only when ``source`` gives its row (so with
    False nothing at all was written); an update that finds no row raises ``DatabaseError`` as
    ``update`` does. Their rows may point at ``obj`` (foreign keys are checked at commit). One
    round trip instead of one per write. Models whose saves have receivers are refused.

    ``also``: more parts of the same statement (an audit entry, ``audit.statement``).

    ``alone``: the caller's transaction writes nothing else — nothing before this statement
    (then it is sent alone, see below) and nothing after it. When the server has seen nothing
    of the transaction yet (Django's ``atomic()`` began it, psycopg sends ``BEGIN`` only with
    the first statement), the statement is sent in autocommit: one statement is a transaction
    of its own, all of it or nothing, so the ``BEGIN`` before it and the ``COMMIT`` after it —
    two round trips — are not sent; the ``atomic()`` block's end then commits nothing and runs
    its ``on_commit`` callbacks. Otherwise (something was read or written before) it is sent in
    the transaction as always."""
    connection = own(connection)
    if connection.vendor != "postgresql" or any(signalled(type(o)) for o in (obj, *(o for o, _f in along))):
        raise ValueError("insert_from: PostgreSQL, and models without save receivers")
    model = type(obj)
    shapes = tuple(
        (type(o), tuple(f) if f is not None else None, _numbered(o) if f is None else False) for o, f in along
    )
    more = (also.ctes, tuple(also.returning)) if also is not None else ("", ())
    key = (f"{connection.vendor}:from", model, tuple(sorted(computed.items())) + (source,), shapes, more)
    cached = _FROM.get(key)
    if cached is None:
        meta = model._meta
        quote = connection.ops.quote_name
        auto = meta.auto_field
        fields = [f for f in meta.local_concrete_fields if not f.generated and f is not auto]
        if auto is not None and getattr(obj, auto.attname) is None:
            raise ValueError(f"{meta.label}: a key the database numbers; use insert()")
        given = [f for f in fields if f.attname not in computed]
        select = ", ".join(
            computed[f.attname] if f.attname in computed else f"CAST(%s AS {f.cast_db_type(connection)})"
            for f in fields
        )
        returned = [f for f in fields if f.attname in computed]
        ctes, writes, results = _along_sql(shapes, connection)
        sql = (
            f"WITH src AS ({source}){ctes}{more[0]} INSERT INTO {quote(meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) SELECT {select} FROM src "
            f"RETURNING {', '.join([*(quote(f.column) for f in returned), *results, *more[1]])}"
        )
        cached = _FROM[key] = (sql, _dollar_numbered(sql), given, returned, writes)
    sql, numbered_sql, given, returned, writes = cached
    values = list(source_params)
    for (other, _fields), (add, other_fields, _pk) in zip(along, writes, strict=True):
        values += _prepared(other, other_fields, connection, add=add)
        if not add:
            values.append(other._meta.pk.get_db_prep_value(other.pk, connection))
    if also is not None:
        values += also.params
    values += _prepared(obj, given, connection, add=True)
    # psycopg parses a %s statement of more than 50 parameters or 4 kB on every call (≈ 0.9 M
    # instructions for a submission's): the raw cursor takes it with $n placeholders as written
    raw = multirow.raw_cursor(connection)
    kept = raw if raw is not None else cursor(connection)
    alone = alone and _nothing_sent(connection)
    if alone:
        connection.connection.autocommit = True  # psycopg's own: allowed while nothing was sent
    try:
        kept.execute(sql if raw is None else numbered_sql, values)
        row = kept.fetchone()
    finally:
        if alone:  # idle again (committed, or failed and rolled back by the server)
            connection.connection.autocommit = False
    if row is None:
        return False
    for value, field in zip(row[: len(returned)], returned, strict=True):
        setattr(obj, field.attname, value)
    tail = len(returned) + len(writes)
    for (other, _fields), (add, _other_fields, numbered), result in zip(
        along, writes, row[len(returned) : tail], strict=True
    ):
        if not add and result != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
        if numbered is not None:
            setattr(other, numbered.attname, result)
        other._state.adding = False
        other._state.db = connection.alias
    if also is not None:
        also.values = tuple(row[tail:])
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


def _nothing_sent(connection: Any) -> bool:
    """Inside ``atomic()``, nothing of the transaction sent yet (psycopg's connection is idle)."""
    from psycopg.pq import TransactionStatus

    pg = connection.connection
    return (
        connection.in_atomic_block
        and not pg.autocommit
        and pg.info.transaction_status == TransactionStatus.IDLE
    )


def _dollar_numbered(sql: str) -> str:
    """``sql`` with ``$1``, ``$2``, … for its ``%s`` placeholders (it holds no other ``%``)."""
    parts = sql.split("%s")
    if any("%" in part for part in parts):
        raise ValueError("insert_from: a % in the statement that is not a placeholder")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], start=1)) + parts[-1]


def _numbered(obj: models.Model) -> bool:
    auto = obj._meta.auto_field
    return auto is not None and getattr(obj, auto.attname) is None


def _prepared(obj: models.Model, fields: Sequence[Any], connection: Any, *, add: bool) -> list[Any]:
    values = []
    for field in fields:
        value = field.pre_save(obj, add=add)
        if hasattr(value, "resolve_expression"):
            raise ValueError(f"{field.name}: an expression; use save()")
        values.append(field.get_db_prep_save(value, connection=connection))
    return values


def _along_sql(shapes: tuple[Any, ...], connection: Any) -> tuple[str, list[Any], list[str]]:
    """The ``WITH`` parts of ``insert_from``'s other writes, what each takes (insert or update,
    its fields, the key the database numbers) and what the statement returns for each (the
    numbered key of an insert or 1, the count of rows an update changed)."""
    quote = connection.ops.quote_name
    ctes, writes, results = "", [], []
    for i, (model, names, numbered) in enumerate(shapes):
        meta, name = model._meta, f"along{i}"
        table = quote(meta.db_table)
        if names is None:
            auto = meta.auto_field if numbered else None
            fields = [f for f in meta.local_concrete_fields if not f.generated and f is not auto]
            casts = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in fields)
            back = quote(auto.column) if auto is not None else "1"
            ctes += (
                f", {name} AS (INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "
                f"SELECT {casts} FROM src RETURNING {back})"
            )
            writes.append((True, fields, auto))
            results.append(f"(SELECT {back if auto is not None else '1'} FROM {name})")
        else:
            fields = ModelUpdate(model, names, connection).fields
            sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            ctes += (
                f", {name} AS (UPDATE {table} SET {sets} WHERE {quote(meta.pk.column)} = %s "
                f"AND EXISTS (SELECT 1 FROM src) RETURNING 1)"
            )
            writes.append((False, fields, None))
            results.append(f"(SELECT count(*) FROM {name})")
    return ctes, writes, results


_FROM: dict[Any, tuple[str, str, list[Any], list[Any], list[Any]]] = {}
