"""core.hotpath.cursor keeps one cursor per connection for the hot statements: the same one
for the next statement, a new one after the connection was made again, and none kept while
queries are logged (so CaptureQueriesContext / assertNumQueries still see every statement) or
while the connection is shared between threads (a live server's in-memory SQLite database)."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from madoguchi.accounts.apiauth import api_token_authenticate
from madoguchi.core import hotpath
from madoguchi.core.testing import make_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _not_shared_between_threads():
    """pytest-django's live server (session-wide, started by a browser test earlier in this
    process) leaves an in-memory SQLite connection shared between threads, and then nothing is
    kept: these tests see the connection as a web process does."""
    own = connections[DEFAULT_DB_ALIAS]
    count = own._thread_sharing_count
    own._thread_sharing_count = 0
    yield
    own._thread_sharing_count = count


def _one(cursor) -> int:
    cursor.execute("SELECT 1")
    return cursor.fetchone()[0]


def test_the_next_statement_gets_the_same_cursor():
    own = connections[DEFAULT_DB_ALIAS]
    first = hotpath.cursor(own)
    assert _one(first) == 1
    assert hotpath.cursor(own) is first
    assert hotpath.cursor(connection) is first  # through django.db.connection's proxy too


def test_a_connection_made_again_gets_a_new_cursor():
    own = connections[DEFAULT_DB_ALIAS]
    first = hotpath.cursor(own)
    raw = own.connection
    # what a reconnect leaves: the wrapper's connection is another object than the kept one's
    own._hotpath_cursor = (object(), first)
    again = hotpath.cursor(own)
    assert again is not first
    assert own.connection is raw
    assert _one(again) == 1


def test_statements_are_logged_while_queries_are_captured():
    user, token = make_api_token()
    kept = hotpath.cursor(connections[DEFAULT_DB_ALIAS])
    with CaptureQueriesContext(connection) as captured:
        logged = hotpath.cursor(connection)
        assert logged is not kept
        assert api_token_authenticate(token=token) == user
    assert any("token_hash" in query["sql"] for query in captured.captured_queries)
    assert hotpath.cursor(connection) is kept


def test_a_connection_shared_between_threads_keeps_no_cursor():
    """A live server's threads share the test's in-memory SQLite connection: a kept cursor
    would be used by two threads at once (a segmentation fault in CI, 2026-12-05)."""
    own = connections[DEFAULT_DB_ALIAS]
    kept = hotpath.cursor(own)
    own.inc_thread_sharing()
    try:
        first, second = hotpath.cursor(own), hotpath.cursor(own)
        assert first is not kept and second is not first
        assert _one(first) == 1 and _one(second) == 1
    finally:
        own.dec_thread_sharing()
    assert hotpath.cursor(own) is kept


def test_own_is_the_threads_connection_itself():
    real = connections[DEFAULT_DB_ALIAS]
    assert hotpath.own() is real
    assert hotpath.own(connection) is real  # django.db.connection's proxy: what it stands for
    assert hotpath.own(real) is real
