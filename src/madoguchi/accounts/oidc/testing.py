"""A real OpenID provider for the tests: the development provider (``devop``) in a process of
its own, started once per test run (pytest plugin, loaded by the root conftest.py).

- ``devop`` (session fixture): the running provider (``devop.process.DevOp``). Its port is
  ``MADOGUCHI_TEST_OP_PORT`` when set (developers use their own range), else one the system says
  is free (CI).
- ``DevOp.provider_config(...)``: an ``OIDC_PROVIDERS`` entry pointing at it.
- ``DevOp.sign_in(url, username)``: what a person does at the provider (the login form), with
  ``requests`` as their browser; returns the redirect back to Madoguchi.

Nothing here imports Django models at import time: pytest loads this before Django is set up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from madoguchi.accounts.oidc.devop.process import VERIFIED_ACR, DevOp, start_devop

__all__ = ["VERIFIED_ACR", "DevOp", "devop", "start_devop"]


@pytest.fixture(scope="session")
def devop(tmp_path_factory) -> Iterator[DevOp]:
    """The development OpenID provider, running for the whole test session."""
    try:
        import oauth2_provider  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("django-oauth-toolkit is missing (pip install -e '.[test]')", pytrace=False)
        pytest.skip("django-oauth-toolkit is not installed (pip install -e '.[test]')")
    op = start_devop(data_dir=tmp_path_factory.mktemp("devop") / "data")
    yield op
    op.stop()
