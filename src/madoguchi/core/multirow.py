"""Many rows of one model in one ``INSERT … VALUES (…), (…) RETURNING`` written out once per
process — ``bulk_create`` without building the statement and each row's placeholders per call.

A batch of follow-ups writes its cases, data revisions, first tasks, outbox rows and mailbox
messages with one INSERT per table; ``bulk_create``'s compiler spent about a quarter of the
worker's CPU per application preparing those rows, and the outbox needed a second statement to
find which of its rows were new (docs/performance.md, "Follow-ups, fifth session"). Here each
value still goes through its field's own ``pre_save`` and ``get_db_prep_save``, the rows are
checked as ``bulk_create`` checks them (a related object not saved yet is refused), numbered keys
come back through ``RETURNING`` in the rows' order, and with ``ignore_conflicts`` the statement
returns the keys of the rows it wrote, so a row whose unique key existed already is known
without reading again. Why and the rule for adding a user: decision 0029 (addendum of
2026-12-04, fifth session).

On PostgreSQL with server-side binding (``DB_SERVER_SIDE_BINDING``, the default) the statement
goes through a psycopg ``RawCursor`` with ``$1, $2, …`` placeholders written here: psycopg parses
a ``%s`` statement of more than 50 parameters on every call (it caches only short ones), and for
a batch's multi-row INSERTs that parse was about a tenth of the worker's CPU per application
(docs/performance.md, issue 19, eighth session). The values, the binding by the server and the
prepared statements are those of Django's own cursor; errors are Django's (the cursor is wrapped
as ``connection.cursor()`` wraps its own), and while queries are logged the ``%s`` form is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.models.constants import OnConflict

from madoguchi.core.hotpath import cursor as kept_cursor


class _Statement:
    """The INSERT of one model for one set of columns: the SQL for n rows, made once per n."""

    def __init__(self, model: type[models.Model], connection: Any, *, with_key: bool, ignore: bool) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if not f.generated]
        if not with_key:
            fields = [f for f in fields if not isinstance(f, models.AutoField)]
        if any(getattr(f, "get_placeholder", None) for f in fields):
            raise ValueError(f"{meta.label}: a field with its own placeholder; use bulk_create")
        self.fields = fields
        self.pk = meta.pk
        on_conflict = OnConflict.IGNORE if ignore else None
        self.head = (
            f"{connection.ops.insert_statement(on_conflict=on_conflict)} {quote(meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) VALUES "
        )
        self.row = f"({', '.join(['%s'] * len(fields))})"
        suffix = connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
        # ignoring conflicts, the keys of the rows written; else what the database fills in
        self.returning = [meta.pk] if ignore else list(meta.db_returning_fields)
        returning_sql, self.returning_params = (
            connection.ops.return_insert_columns(self.returning) if self.returning else ("", ())
        )
        self.tail = "".join(f" {part}" for part in (suffix, returning_sql) if part)
        # the returned values as the ORM gives them back (a UUID kept as text on SQLite)
        self.converters = []
        for field in self.returning:
            column = field.get_col(meta.db_table)
            chain = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            self.converters.append([(converter, column) for converter in chain])
        self.sql: dict[int, str] = {}
        self.raw_sql: dict[int, str] = {}

    def returned(self, row: Sequence[Any], connection: Any) -> list[Any]:
        values = []
        for value, chain in zip(row, self.converters, strict=True):
            for converter, column in chain:
                value = converter(value, column, connection)
            values.append(value)
        return values

    def text(self, rows: int) -> str:
        sql = self.sql.get(rows)
        if sql is None:
            sql = self.sql[rows] = self.head + ", ".join([self.row] * rows) + self.tail
        return sql

    def raw_text(self, rows: int) -> str:
        """``text(rows)`` with numbered placeholders (``$1``, ``$2``, …) for a ``RawCursor``."""
        sql = self.raw_sql.get(rows)
        if sql is None:
            width = len(self.fields)
            values = ", ".join(
                "(" + ", ".join(f"${row * width + column + 1}" for column in range(width)) + ")"
                for row in range(rows)
            )
            sql = self.raw_sql[rows] = self.head + values + self.tail
        return sql


_STATEMENTS: dict[tuple[str, type[models.Model], bool, bool], _Statement] = {}


def raw_cursor(connection: Any) -> Any:
    """A psycopg ``RawCursor`` on ``connection`` (``$n`` placeholders, which psycopg does not
    parse), wrapped as Django wraps its cursors (its errors, ``execute_wrapper``s) and kept on
    the connection for the next statement — where the connection binds on the server anyway
    (PostgreSQL, psycopg 3, ``server_side_binding``). None elsewhere, and while queries are logged
    (``CaptureQueriesContext``, DEBUG: the log composes ``%s`` statements) or the connection is
    shared between threads: the caller writes ``%s`` through ``hotpath.cursor``."""
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    if not isinstance(connection, BaseDatabaseWrapper):  # django.db.connection, a proxy
        connection = connections[connection.alias]
    if (
        connection.vendor != "postgresql"
        or not connection.features.uses_server_side_binding
        or not _has_raw_cursor()
        or connection.queries_logged
        or connection.allow_thread_sharing
    ):
        return None
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    kept = getattr(connection, "_multirow_raw_cursor", None)
    if kept is None or kept[0] is not connection.connection:
        kept = connection._multirow_raw_cursor = (connection.connection, _new_raw_cursor(connection))
    return kept[1]


def _has_raw_cursor() -> bool:
    import psycopg

    return hasattr(psycopg, "RawCursor")  # psycopg ≥ 3.2


def _new_raw_cursor(connection: Any) -> Any:
    """What ``connection.cursor()`` makes (``create_cursor``, then the wrapper), as a RawCursor."""
    import psycopg
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.postgres import types
    from psycopg.pq import Format

    raw = psycopg.RawCursor(connection.connection)
    # as create_cursor: the cursor's time zone only where the connection's differs
    loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, raw)
    return connection.make_cursor(raw)


def insert_many(
    objs: Sequence[models.Model],
    connection: Any,
    *,
    batch_size: int | None = None,
    ignore_conflicts: bool = False,
) -> list[Any] | None:
    """``Model.objects.bulk_create(objs, batch_size=…, ignore_conflicts=…)`` for instances of one
    model (without parents): the same rows, the same keys set on the instances, each instance then
    saved (not adding, its database). One statement per ``batch_size`` rows (and per the
    database's limit of parameters), two when some instances have their key and some do not.

    Returns the primary keys of the rows written: every instance's, in order — or, with
    ``ignore_conflicts``, only those of the rows that did not exist already (a row whose unique
    key existed is neither written nor returned), in no particular order. None where the database
    cannot return the rows of a multi-row INSERT (SQLite before 3.35): there ``bulk_create``
    wrote them, and which rows are new is the caller's to find out."""
    from django.db import transaction

    if not objs:
        return []
    model = type(objs[0])
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.using(connection.alias).bulk_create(
            objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts
        )
        return None
    meta = model._meta
    if meta.parents or any(type(obj) is not model for obj in objs):
        raise ValueError("insert_many: instances of one model without parents")
    with_key: list[models.Model] = []
    without_key: list[models.Model] = []
    for obj in objs:  # what bulk_create's _prepare_for_bulk_create does
        if obj.pk is None:
            obj.pk = meta.pk.get_pk_value_on_save(obj)
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        (with_key if obj.pk is not None else without_key).append(obj)
    written: list[Any] = []
    with transaction.atomic(using=connection.alias, savepoint=False):
        for group, keyed in ((with_key, True), (without_key, False)):
            if not group:
                continue
            key = (connection.vendor, model, keyed, ignore_conflicts)
            statement = _STATEMENTS.get(key)
            if statement is None:
                statement = _STATEMENTS[key] = _Statement(
                    model, connection, with_key=keyed, ignore=ignore_conflicts
                )
            fields = statement.fields
            size = connection.ops.bulk_batch_size(fields, group)
            size = max(1, min(batch_size, size) if batch_size else size)
            for start in range(0, len(group), size):
                chunk = group[start : start + size]
                values: list[Any] = []
                for obj in chunk:
                    for field in fields:
                        value = field.pre_save(obj, add=True)
                        if hasattr(value, "resolve_expression"):  # DatabaseDefault too
                            raise ValueError(f"{field.name}: an expression; use bulk_create")
                        values.append(field.get_db_prep_save(value, connection=connection))
                raw = None if statement.returning_params else raw_cursor(connection)
                if raw is not None:
                    kept = raw
                    kept.execute(statement.raw_text(len(chunk)), values)
                else:
                    kept = kept_cursor(connection)
                    kept.execute(statement.text(len(chunk)), values + list(statement.returning_params))
                returned = kept.fetchall() if statement.returning else []
                if ignore_conflicts:
                    written += [statement.returned(row, connection)[0] for row in returned]
                else:
                    if statement.returning:
                        if len(returned) != len(chunk):
                            from django.db import DatabaseError

                            raise DatabaseError("insert_many: a row came back missing")
                        for obj, row in zip(chunk, returned, strict=True):
                            for value, field in zip(
                                statement.returned(row, connection), statement.returning, strict=True
                            ):
                                setattr(obj, field.attname, value)
                    written += [obj.pk for obj in chunk]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return written
