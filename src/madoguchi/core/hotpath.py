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
docs/decisions/0029-hand-written-sql-on-the-hottest-reads.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models

Converter = Callable[[Any, Any, Any], Any]


class ModelColumns:
    """The concrete columns of a model, their SQL and their database → Python converters."""

    def __init__(self, model: type[models.Model], connection: Any, alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.pk_index = next(i for i, f in enumerate(self.fields) if f.primary_key)
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
        return self.model.from_db(connection.alias, self.attnames, converted)


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
