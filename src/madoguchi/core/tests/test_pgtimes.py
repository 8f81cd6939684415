"""core.pgtimes: the hot cursor loads timestamps with psycopg's own loader, and only where that
gives exactly Django's values (the same instant, the same tzinfo object)."""

import datetime
import zoneinfo

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from madoguchi.core import hotpath
from madoguchi.core.pgtimes import use_psycopg_timestamps

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's timestamptz loader"),
]

SAMPLES = (
    "SELECT now(), TIMESTAMPTZ '2026-12-05 14:00:00.123456+09', TIMESTAMPTZ '1999-03-31 23:59:59Z',"
    " TIMESTAMPTZ '2026-01-01 00:00:00.5+00', NULL::timestamptz"
)


@pytest.fixture(autouse=True)
def _not_shared_between_threads():
    """As in test_hotpath_cursor: a live server left in the process would keep nothing."""
    own = connections[DEFAULT_DB_ALIAS]
    count = own._thread_sharing_count
    own._thread_sharing_count = 0
    yield
    own._thread_sharing_count = count


def _loader(cursor):
    from psycopg import adapters
    from psycopg.pq import Format

    return cursor.cursor.adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)


def test_the_hot_cursor_reads_timestamps_as_djangos_cursor_does():
    own = connections[DEFAULT_DB_ALIAS]
    kept = hotpath.cursor(own)
    kept.execute(SAMPLES)
    fast = kept.fetchone()
    with own.cursor() as plain:
        plain.execute(SAMPLES)
        django = plain.fetchone()
    assert fast[1:] == django[1:]
    for ours, theirs in zip(fast, django, strict=True):
        assert type(ours) is type(theirs)
        if ours is not None:
            assert ours.tzinfo is theirs.tzinfo is datetime.UTC
            assert ours.isoformat()[-6:] == "+00:00"
    assert fast[1] == datetime.datetime(2026, 12, 5, 5, 0, 0, 123456, tzinfo=datetime.UTC)


def test_the_hot_cursor_uses_psycopgs_loader_and_other_cursors_keep_djangos():
    from psycopg import adapters
    from psycopg.pq import Format

    psycopgs = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
    own = connections[DEFAULT_DB_ALIAS]
    assert _loader(hotpath.cursor(own)) is psycopgs
    with own.cursor() as plain:
        assert _loader(plain) is not psycopgs
        assert _loader(plain).timezone is datetime.UTC  # Django's


def test_a_cursor_whose_django_zone_is_not_utc_keeps_djangos_loader():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    own = connections[DEFAULT_DB_ALIAS]
    with own.cursor() as plain:
        register_tzloader(zoneinfo.ZoneInfo("Asia/Tokyo"), plain.cursor)
        before = _loader(plain)
        use_psycopg_timestamps(plain, own)
        assert _loader(plain) is before
