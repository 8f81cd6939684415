"""Test helpers for the doors (import from tests only)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from madoguchi.accounts.constants import AuthLevel, AuthMethod


def mark_session(client: Any, *, level: str, method: str) -> None:
    from madoguchi.accounts.sessions import SESSION_AUTH_KEY

    session = client.session
    session[SESSION_AUTH_KEY] = {"level": str(level), "method": str(method), "at": int(time.time())}
    session.save()


@contextlib.contextmanager
def patch_force_login() -> Iterator[None]:
    """Make ``Client.force_login`` mark the session the way the user's own door would."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        from madoguchi.accounts.permissions import has_staff_powers

        original(self, user, backend)
        if has_staff_powers(user):
            mark_session(self, level=AuthLevel.STAFF, method=AuthMethod.PASSWORD_TOTP)
        else:
            mark_session(self, level=AuthLevel.APPLICANT, method=AuthMethod.EMAIL_LINK)

    Client.force_login = force_login
    try:
        yield
    finally:
        Client.force_login = original
