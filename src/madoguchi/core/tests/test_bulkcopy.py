"""copy_rows writes rows as given (COPY on PostgreSQL, executemany on SQLite), in the caller's
transaction."""

import datetime as dt

import pytest
from django.db import connection, transaction

from madoguchi.core.bulkcopy import analyze, copy_rows, model_columns
from madoguchi.core.models import KeyRotationProgress

pytestmark = pytest.mark.django_db
NAMES = [
    "store",
    "key_id",
    "last_pk",
    "rows_scanned",
    "rows_rewritten",
    "tokens_rewritten",
    "tokens_unreadable",
    "started_at",
    "updated_at",
    "finished_at",
]


def test_copy_rows_inserts_every_row_with_nulls_texts_and_times():
    table = KeyRotationProgress._meta.db_table
    columns = model_columns(KeyRotationProgress, NAMES)
    when = dt.datetime(2026, 9, 1, 3, 0, tzinfo=dt.UTC)
    rows = [(f"store-{n}", "k1", "", n, 0, 0, 0, when, when, when if n % 2 else None) for n in range(250)]
    rows.append(("tab\tand\nnewline\\", "k1", "日本語", 7, 0, 0, 0, when, when, None))
    assert copy_rows(table=table, columns=columns, rows=iter(rows)) == 251
    analyze(table=table)
    assert KeyRotationProgress.objects.count() == 251
    odd = KeyRotationProgress.objects.get(store="store-3")
    assert (odd.rows_scanned, odd.finished_at) == (3, when)
    assert KeyRotationProgress.objects.get(store="store-4").finished_at is None
    assert KeyRotationProgress.objects.get(store="tab\tand\nnewline\\").last_pk == "日本語"


def test_copy_rows_is_undone_with_the_transaction_it_ran_in():
    columns = model_columns(KeyRotationProgress, NAMES)
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(RuntimeError), transaction.atomic():
        copy_rows(
            table=KeyRotationProgress._meta.db_table,
            columns=columns,
            rows=[("s", "k", "", 0, 0, 0, 0, now, now, None)],
        )
        raise RuntimeError
    assert not KeyRotationProgress.objects.exists()
    assert connection.vendor in ("postgresql", "sqlite")
