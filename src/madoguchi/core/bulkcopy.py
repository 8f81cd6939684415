"""Writing many rows into one table fast: PostgreSQL ``COPY … FROM STDIN``, else ``executemany``.

``bulk_create`` builds an INSERT with one parameter per value and runs every value through the
field's ``get_db_prep_save``: for a staging table of 30 columns that is most of the time of an
upload (docs/performance.md, "災害時都民台帳"). ``copy_rows`` takes values already in their
database form (ints, strings, booleans, dates, None) in the order of ``columns`` and streams
them with psycopg's ``Copy.write_row`` (its C implementation formats the rows); on other
databases (SQLite in development) it falls back to one prepared INSERT run with
``executemany``. Nothing is converted or validated here: callers pass clean values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model


def model_columns(model: type[Model], attnames: Sequence[str]) -> list[str]:
    """The database column of each attribute name (``home_org_id`` → its column)."""
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    return [by_attname[name] for name in attnames]


def copy_rows(
    *, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], using: str = "default"
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``; returns the count.
    Runs in the caller's transaction (or commits by itself in autocommit mode)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            batch = list(rows)
            cursor.executemany(f"INSERT INTO {quote(table)} ({column_sql}) VALUES ({placeholders})", batch)
            count = len(batch)
    return count


def analyze(*, table: str, using: str = "default") -> None:
    """Refresh the planner's statistics of a table that was just filled (PostgreSQL only):
    autovacuum may not have seen the new rows yet, and joins against them then choose bad plans."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
