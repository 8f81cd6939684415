"""Project-wide pytest setup. Shared test-data helpers live in madoguchi.core.testing."""

import os

import pytest

os.environ.setdefault("MADOGUCHI_FAST_HASHER", "1")


@pytest.fixture(autouse=True)
def semantic_search_model_off(settings):
    """The site search's semantic model stays off in tests (KNOWLEDGE_SEMANTIC_MODEL_IN_TESTS to
    change it); its stage is tested with the small weight-free "char-hash" model and one
    real-model test (knowledge/tests/test_semantic.py)."""
    settings.KNOWLEDGE_SEMANTIC_MODEL = os.environ.get("KNOWLEDGE_SEMANTIC_MODEL_IN_TESTS", "none")


@pytest.fixture(autouse=True, scope="session")
def _force_login_uses_the_users_door():
    """``client.force_login(user)`` skips the credentials, not the door: a user with staff
    powers gets a staff session, anyone else an applicant session — as if they had signed in
    through the staff sign-in (password + second factor) or the e-mail link. Tests of the
    doors themselves sign in through the real pages (accounts/tests/)."""
    from madoguchi.accounts.testing import patch_force_login

    with patch_force_login():
        yield


@pytest.fixture(autouse=True)
def _each_test_starts_in_japanese():
    """A request in English (LocaleMiddleware) leaves English active in the test's thread; without
    this, a later test in the same worker would run in English — results depending on the order
    of modules."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _sign_in_throttles_start_empty():
    """Sign-in attempt counts (accounts/throttle.py) live outside the test database."""
    from madoguchi.accounts.throttle import throttle_reset_all

    throttle_reset_all()
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, plus: before the test database is dropped, end any session still open on
    it (PostgreSQL refuses to drop a database "being accessed by other users"). Which sessions
    they were is printed, so a test that leaks a connection can be found and fixed; CI's
    PostgreSQL pass failed this way with every test green."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 200) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        stray = cursor.fetchall()
        for pid, application, state, query in stray:
            print(
                f"\nstray PostgreSQL session on the test database: pid {pid} {application!r} {state}: {query}"
            )
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.close()


# The development OpenID provider as a session fixture (``devop``), for the OIDC tests.
pytest_plugins = ["madoguchi.accounts.oidc.testing"]
