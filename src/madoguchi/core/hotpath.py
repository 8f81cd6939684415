"""Statements on the hottest path, written out once instead of built by the ORM per call.

The ORM spends about 0.2–0.4 ms of CPU building each statement (joins, select lists,
converters). A handful of statements run on every API request or every state change, and at
hundreds of submissions a second on two cores that build cost is most of the budget
(docs/performance.md, "Submissions"). Only those few use this module — the bearer-token
lookup, the audit entry, the notification claim, the applicant's draft (``access_draft``),
the public procedure (``procedure_get_public``) and the booking page's slot
(``reservations.selectors.access_public_slot``) — everything else uses the ORM. The rows
still become ordinary model instances through ``Model.from_db`` with Django's own converters,
so the rest of the code cannot tell the difference. Why, and the rule for adding a user:
docs/decisions/0029-hand-written-sql-on-the-hottest-reads.md. One statement that draws a number
and writes with it (the submission's) is ``core/insert_from.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, post_save, pre_init, pre_save

from madoguchi.core.pgtimes import use_psycopg_timestamps

Converter = Callable[[Any, Any, Any], Any]


class ModelColumns:
    """The concrete columns of a model, their SQL and their database → Python converters."""

    def __init__(self, model: type[models.Model], connection: Any, alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.pk_index = next(i for i, f in enumerate(self.fields) if f.primary_key)
        self.plain = _plain_columns(model, self.fields)
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{quote(alias)}.{quote(f.column)}" for f in self.fields)
        self.converters: list[list[tuple[Converter, Any]]] = []
        for field in self.fields:
            expression = field.get_col(alias)
            chain = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
            self.converters.append([(c, expression) for c in chain])

    def instance(self, values: Sequence[Any], connection: Any) -> models.Model:
        converted = []
        for value, chain in zip(values, self.converters, strict=True):
            for converter, expression in chain:
                value = converter(value, expression, connection)
            converted.append(value)
        if self.plain and not pre_init.receivers and not post_init.receivers:
            # what from_db → Model.__init__ does for a full row when nobody listens to its
            # signals and every column is a plain attribute: the state, then each value
            obj = self.model.__new__(self.model)
            state = ModelState()
            state.adding = False
            state.db = connection.alias
            attributes = obj.__dict__
            attributes["_state"] = state
            attributes.update(zip(self.attnames, converted, strict=True))
            return obj
        return self.model.from_db(connection.alias, self.attnames, converted)


# Class attributes of a model's columns that Model.__init__'s setattr meets: DeferredAttribute
# has no __set__; ForeignKeyDeferredAttribute's only clears a cached related object, which a
# new instance has not (and FileDescriptor's stores the value as given).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)


def _plain_columns(model: type[models.Model], fields: Sequence[Any]) -> bool:
    """Whether building an instance from a full row is only setting attributes: the model
    keeps Django's ``__init__`` and ``from_db`` and each column's class attribute is one of
    Django's own (``ModelColumns.instance`` then skips ``Model.__init__``: its signals and a
    ``setattr`` per column were ≈ 6 % of a complete API submission's CPU)."""
    if model.__init__ is not models.Model.__init__:
        return False
    if getattr(model.from_db, "__func__", None) is not models.Model.from_db.__func__:  # type: ignore[attr-defined]
        return False
    return all(
        type(inspect.getattr_static(model, field.attname, None)) in _PLAIN_DESCRIPTORS for field in fields
    )


_COLUMNS: dict[tuple[str, type[models.Model], str], ModelColumns] = {}


def model_columns(model: type[models.Model], connection: Any, alias: str) -> ModelColumns:
    key = (connection.vendor, model, alias)
    columns = _COLUMNS.get(key)
    if columns is None:
        columns = _COLUMNS[key] = ModelColumns(model, connection, alias)
    return columns


class RelatedColumns:
    """A model's columns with those of rows it points at, joined as ``select_related`` does.

    ``related`` are ``select_related`` paths of foreign keys (``"version__procedure"``). A
    foreign key that may be null, or that hangs off one that may, is a LEFT OUTER JOIN. The
    caller writes the WHERE clause with ``column(path, name)`` and appends it to ``sql``;
    ``instance(row)`` gives the model instance with the related instances in their caches,
    as the ORM would (``None`` for a null foreign key).
    """

    def __init__(self, model: type[models.Model], related: Sequence[str], connection: Any) -> None:
        quote = connection.ops.quote_name
        self.aliases: dict[str, str] = {"": "t0"}
        self.nodes: list[tuple[str, ModelColumns, str | None, Any, bool]] = [
            ("", model_columns(model, connection, "t0"), None, None, False)
        ]
        joins = [f"{quote(model._meta.db_table)} {quote('t0')}"]
        for full in related:
            parts = full.split("__")
            for depth in range(1, len(parts) + 1):
                path, parent = "__".join(parts[:depth]), "__".join(parts[: depth - 1])
                if path in self.aliases:
                    continue
                parent_node = next(node for node in self.nodes if node[0] == parent)
                field = parent_node[1].model._meta.get_field(parts[depth - 1])
                if not isinstance(field, models.ForeignKey):
                    raise ValueError(f"{path}: not a foreign key")
                alias = self.aliases[path] = f"t{len(self.nodes)}"
                target = field.related_model
                outer = bool(field.null) or parent_node[4]
                self.nodes.append((path, model_columns(target, connection, alias), parent, field, outer))
                target_column = field.target_field.column
                joins.append(
                    f"{'LEFT OUTER JOIN' if outer else 'INNER JOIN'} {quote(target._meta.db_table)} {quote(alias)} "
                    f"ON {quote(alias)}.{quote(target_column)} = {quote(self.aliases[parent])}.{quote(field.column)}"
                )
        self.quote = quote
        select = ", ".join(node[1].sql for node in self.nodes)
        self.sql = f"SELECT {select} FROM {' '.join(joins)}"

    def column(self, path: str, name: str) -> str:
        """The quoted column ``name`` of the row at ``path`` ("" for the model's own)."""
        return f"{self.quote(self.aliases[path])}.{self.quote(name)}"

    def instance(self, values: Sequence[Any], connection: Any) -> models.Model:
        made: dict[str, models.Model | None] = {}
        start = 0
        for path, columns, parent, field, _outer in self.nodes:
            end = start + len(columns.fields)
            row = values[start:end]
            start = end
            if parent is None:
                made[path] = columns.instance(row, connection)
                continue
            owner = made[parent]
            child = columns.instance(row, connection) if row[columns.pk_index] is not None else None
            made[path] = child
            if owner is not None:
                field.set_cached_value(owner, child)
        root = made[""]
        assert root is not None
        return root


_RELATED: dict[tuple[str, type[models.Model], tuple[str, ...]], RelatedColumns] = {}


def related_columns(model: type[models.Model], related: Sequence[str], connection: Any) -> RelatedColumns:
    key = (connection.vendor, model, tuple(related))
    columns = _RELATED.get(key)
    if columns is None:
        columns = _RELATED[key] = RelatedColumns(model, related, connection)
    return columns


# ---------------------------------------------------------------------------- writes


class ModelInsert:
    """``obj.save(force_insert=True)`` for one model, the INSERT written out once.

    The columns are those Django's insert compiler uses (every local concrete column; the
    auto-increment key only when set), each value through the field's own ``pre_save`` (auto_now)
    and ``get_db_prep_save``; a key the database numbers comes back through ``RETURNING`` (or
    the backend's last insert id), as with ``save()``.
    """

    def __init__(
        self, model: type[models.Model], connection: Any, with_auto_key: bool, conflict: tuple[str, ...] = ()
    ) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        self.model = model
        auto = meta.auto_field
        self.fields = [
            f for f in meta.local_concrete_fields if not f.generated and (with_auto_key or f is not auto)
        ]
        if any(getattr(f, "get_placeholder", None) for f in self.fields):
            raise ValueError(f"{meta.label}: a field with its own placeholder")
        self.returning = [] if with_auto_key else list(meta.db_returning_fields)
        self.sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in self.fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        self.conflict = bool(conflict)
        if conflict:  # PostgreSQL and SQLite (≥ 3.24) share the form
            if self.returning:
                raise ValueError(f"{meta.label}: a key the database numbers; no conflict clause")
            columns = ", ".join(quote(meta.get_field(name).column) for name in conflict)  # type: ignore[union-attr]
            self.sql += f" ON CONFLICT ({columns}) DO NOTHING"
        self.returning_params: Any = ()
        if self.returning and connection.features.can_return_columns_from_insert:
            returning_sql, self.returning_params = connection.ops.return_insert_columns(self.returning)
            self.sql += f" {returning_sql}"

    def run(self, obj: models.Model, connection: Any) -> bool:
        values = []
        for field in self.fields:
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                raise ValueError(f"{field.name}: an expression; use save()")
            values.append(field.get_db_prep_save(value, connection=connection))
        kept = cursor(connection)
        kept.execute(self.sql, values)
        if self.conflict and kept.rowcount == 0:  # ON CONFLICT … DO NOTHING: the row exists
            return False
        if self.returning:
            if connection.features.can_return_columns_from_insert:
                row = connection.ops.fetch_returned_insert_columns(kept, self.returning_params)
            else:
                key = self.returning[0]
                row = (connection.ops.last_insert_id(kept, self.model._meta.db_table, key.column),)
            for value, field in zip(row, self.returning, strict=True):
                setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = connection.alias
        return True


class ModelUpdate:
    """``obj.save(update_fields=…)`` for one model and one set of fields, the UPDATE written
    out once; auto_now fields named in ``fields`` are set as ``save()`` sets them."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], connection: Any) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        found = [meta.get_field(name) for name in fields]
        self.fields: list[models.Field] = [f for f in found if isinstance(f, models.Field)]
        if len(self.fields) != len(found) or any(
            not f.concrete or f.primary_key or getattr(f, "get_placeholder", None) for f in self.fields
        ):
            raise ValueError(f"{meta.label}: {fields} are not plain columns")
        pk = meta.pk
        assert pk is not None
        self.pk = pk
        self.sql = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in self.fields)} "
            f"WHERE {quote(pk.column)} = %s"
        )

    def run(self, obj: models.Model, connection: Any) -> None:
        from django.db import DatabaseError

        values = []
        for field in self.fields:
            value = field.pre_save(obj, add=False)
            if hasattr(value, "resolve_expression"):
                raise ValueError(f"{field.name}: an expression; use save()")
            values.append(field.get_db_prep_save(value, connection=connection))
        values.append(self.pk.get_db_prep_value(obj.pk, connection))
        kept = cursor(connection)
        kept.execute(self.sql, values)
        if kept.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")


_INSERTS: dict[tuple[str, type[models.Model], bool, tuple[str, ...]], ModelInsert] = {}
_UPDATES: dict[tuple[str, type[models.Model], tuple[str, ...]], ModelUpdate] = {}


def signalled(model: type[models.Model]) -> bool:
    """Whether saves of ``model`` have receivers (then ``save()`` writes it, so they run)."""
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def cursor(connection: Any) -> Any:
    """A cursor of ``connection`` (the thread's own, ``own``) for this module's statements, kept
    on the connection for the next one (a new psycopg cursor and Django's wrapper per statement
    were ≈ 5 % of a complete API submission's CPU). Health check and connection as with
    ``connection.cursor()``; none of an earlier connection is used, and none is kept while queries
    are logged (``CaptureQueriesContext`` wraps a cursor when it is made) or the connection is
    shared between threads (a live server's in-memory SQLite: two threads on one cursor crash).
    Callers do not close it. Timestamps through psycopg's loader where equal (core/pgtimes.py)."""
    connection = own(connection)
    if connection.queries_logged or connection.allow_thread_sharing:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    kept = getattr(connection, "_hotpath_cursor", None)
    if kept is None or kept[0] is not connection.connection:
        kept = connection._hotpath_cursor = (connection.connection, connection.cursor())
        use_psycopg_timestamps(kept[1], connection)
    return kept[1]


def own(connection: Any = None) -> Any:
    """The thread's connection itself (``connection``'s, else the default one): ``django.db.connection``
    is a proxy that looks it up again on every attribute read (≈ 16 k instructions each)."""
    if isinstance(connection, BaseDatabaseWrapper):
        return connection
    return connections[DEFAULT_DB_ALIAS if connection is None else connection.alias]


def insert(obj: models.Model, connection: Any) -> None:
    """``obj.save(force_insert=True)`` without building the statement each time (a model whose
    saves have signal receivers is saved by ``save()``, so they still run)."""
    connection = own(connection)
    model = type(obj)
    if signalled(model):
        obj.save(force_insert=True, using=connection.alias)
        return
    _insert(obj, connection, ())


def _insert(obj: models.Model, connection: Any, conflict: tuple[str, ...]) -> bool:
    model = type(obj)
    auto = model._meta.auto_field
    with_auto_key = auto is not None and getattr(obj, auto.attname) is not None
    key = (connection.vendor, model, with_auto_key, conflict)
    statement = _INSERTS.get(key)
    if statement is None:
        statement = _INSERTS[key] = ModelInsert(model, connection, with_auto_key, conflict)
    return statement.run(obj, connection)


def can_insert_unless_taken(model: type[models.Model], connection: Any) -> bool:
    """Whether ``insert_unless_taken`` can write ``model`` on ``connection``: PostgreSQL or
    SQLite (``INSERT … ON CONFLICT (…) DO NOTHING``), and no receivers of its saves."""
    return connection.vendor in ("postgresql", "sqlite") and not signalled(model)


def insert_unless_taken(obj: models.Model, connection: Any, *, unique: Sequence[str]) -> bool:
    """``insert(obj)`` as ``INSERT … ON CONFLICT (unique) DO NOTHING``: False, and nothing
    written, when a row holds the same values in the columns of the unique constraint
    ``unique`` (field names). The transaction goes on either way, so a caller that tries
    another value (a random code) needs no savepoint around each attempt; any other
    constraint still raises ``IntegrityError`` as ``save()`` does. Only where
    ``can_insert_unless_taken`` says so, and not for a model whose database numbers its key
    (``ValueError``: there would be no key to give back on a conflict)."""
    connection = own(connection)
    model = type(obj)
    if not can_insert_unless_taken(model, connection):
        raise ValueError(f"insert_unless_taken: {model._meta.label} on {connection.vendor}")
    return _insert(obj, connection, tuple(unique))


def update(obj: models.Model, fields: Sequence[str], connection: Any) -> None:
    """``obj.save(update_fields=fields)`` without building the statement each time."""
    connection = own(connection)
    model = type(obj)
    if signalled(model):
        obj.save(update_fields=fields, using=connection.alias)
        return
    key = (connection.vendor, model, tuple(fields))
    statement = _UPDATES.get(key)
    if statement is None:
        statement = _UPDATES[key] = ModelUpdate(model, fields, connection)
    statement.run(obj, connection)
