"""On PostgreSQL with server-side binding, core.multirow.insert_many sends its statement through a
psycopg RawCursor with numbered placeholders (psycopg parses a ``%s`` statement of more than 50
parameters on every call): the same rows and keys, Django's errors, the ``%s`` form while
queries are logged, and a new cursor for a new connection. test_multirow.py holds the rows to
``bulk_create``'s on both paths (its tests that do not capture queries take this one there)."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from madoguchi.core.multirow import insert_many, raw_cursor
from madoguchi.review.models import Case, DataRevision, TaskState
from madoguchi.review.testing import Office, make_application

pytestmark = pytest.mark.django_db

binds_on_server = pytest.mark.skipif(
    connection.vendor != "postgresql" or not connection.features.uses_server_side_binding,
    reason="PostgreSQL with server-side binding",
)


@pytest.fixture
def case():
    return Case.objects.get(application=make_application(Office(days=10).procedure_a))


def revisions(case, numbers):
    return [
        DataRevision(application=case.application, number=n, data={"名前": "山田", "n": [1]}, reason="x")
        for n in numbers
    ]


@contextmanager
def statements():
    seen: list[str] = []

    def note(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        yield seen


@binds_on_server
def test_the_rows_go_through_a_raw_cursor_with_numbered_placeholders(case):
    by_orm = revisions(case, [2, 3, 4])
    DataRevision.objects.bulk_create(by_orm)
    by_hand = revisions(case, [5, 6, 7])
    with statements() as seen:
        keys = insert_many(by_hand, connection)
    (sql,) = seen
    assert "$1" in sql and "$21" in sql and "%s" not in sql
    assert keys == [r.pk for r in by_hand] and keys == sorted(keys)
    assert all(not r._state.adding for r in by_hand)
    skip = ("id", "number", "created_at")
    mine = DataRevision.objects.filter(pk__in=keys).order_by("pk").values()
    theirs = DataRevision.objects.filter(pk__in=[r.pk for r in by_orm]).order_by("pk").values()
    assert [{k: v for k, v in row.items() if k not in skip} for row in mine] == [
        {k: v for k, v in row.items() if k not in skip} for row in theirs
    ]


@binds_on_server
def test_ignored_conflicts_return_only_the_new_keys_on_the_raw_cursor(case):
    first = TaskState.objects.filter(case=case).first()

    def task(round_):
        return TaskState(case=case, step_id=first.step_id, slot_id=first.slot_id, position=1, round=round_)

    with statements() as seen:
        written = insert_many([task(5), task(6)], connection, ignore_conflicts=True)
    assert "$1" in seen[0] and len(written) == 2
    assert TaskState.objects.filter(case=case, round__in=(5, 6)).count() == 2


@binds_on_server
def test_a_refused_row_raises_djangos_integrity_error_and_writes_nothing(case):
    rows = revisions(case, [7, 8, 1])  # number 1 exists
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many(rows, connection)
    assert not DataRevision.objects.filter(application=case.application, number__in=(7, 8)).exists()


@binds_on_server
def test_while_queries_are_logged_the_statement_is_written_with_percent_placeholders(case):
    with CaptureQueriesContext(connection) as queries:
        insert_many(revisions(case, [9, 10]), connection)
    (insert,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert "$1" not in insert
    assert DataRevision.objects.filter(application=case.application, number__in=(9, 10)).count() == 2


@binds_on_server
def test_the_raw_cursor_is_kept_and_made_again_for_a_new_connection(case):
    kept = raw_cursor(connection)
    assert raw_cursor(connection) is kept
    # kept for another psycopg connection than the one behind Django's now (a reconnect)
    connection._multirow_raw_cursor = (object(), kept)
    assert raw_cursor(connection) is not kept
    insert_many(revisions(case, [11]), connection)
    assert DataRevision.objects.filter(application=case.application, number=11).exists()


def test_elsewhere_there_is_no_raw_cursor_and_the_rows_are_written_as_before(case, monkeypatch):
    if connection.vendor == "postgresql":
        monkeypatch.setitem(connection.features.__dict__, "uses_server_side_binding", False)
    assert raw_cursor(connection) is None
    with statements() as seen:
        insert_many(revisions(case, [12, 13]), connection)
    assert "$1" not in seen[0]
    assert DataRevision.objects.filter(application=case.application, number__in=(12, 13)).count() == 2
