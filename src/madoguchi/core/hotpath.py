"""Statements on the hottest path, written out once instead of built by the ORM per call.

The ORM spends about 0.2–0.4 ms of CPU building each statement (joins, select lists,
converters). A handful of statements run on every API request or every state change, and at
hundreds of submissions a second on two cores that build cost is most of the budget
(docs/performance.md, "Submissions"). Only those few use this module; everything else uses
the ORM. The rows still become ordinary model instances through ``Model.from_db`` with
Django's own converters, so the rest of the code cannot tell the difference.
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
