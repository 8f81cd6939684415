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
def _sign_in_throttles_start_empty():
    """Sign-in attempt counts (accounts/throttle.py) live outside the test database."""
    from madoguchi.accounts.throttle import throttle_reset_all

    throttle_reset_all()
    yield


# The development OpenID provider as a session fixture (``devop``), for the OIDC tests.
pytest_plugins = ["madoguchi.accounts.oidc.testing"]

