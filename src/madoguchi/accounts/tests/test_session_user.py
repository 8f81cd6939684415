"""The session's user read by accounts/middleware.py is Django's ``auth.get_user``: the same
user (attribute by attribute), the same refusals, the same changes to the session, and one
statement for the user's row."""

from __future__ import annotations

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from madoguchi.accounts.middleware import session_user
from madoguchi.accounts.models import User
from madoguchi.accounts.sessions import MODEL_BACKEND
from madoguchi.core.testing import make_user

pytestmark = pytest.mark.django_db


def _session(data: dict) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return store.session_key


def _request(session_key: str):
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key)
    return request


def _outcome(read, session_key: str) -> tuple:
    """What a read answers and what it leaves of the session (kept, flushed, or cycled)."""
    request = _request(session_key)
    user = read(request)
    session = request.session
    values = (
        tuple((f.attname, getattr(user, f.attname)) for f in User._meta.concrete_fields)
        if user.is_authenticated
        else None
    )
    return (
        type(user).__name__,
        values,
        session.session_key == session_key,  # False: flushed or cycled
        dict(session.items()) if session.session_key else None,
    )


def _both(data: dict) -> tuple[tuple, tuple]:
    ours = _outcome(session_user, _session(data))
    djangos = _outcome(auth.get_user, _session(data))
    # a cycled session gets a new key: compare everything but the key's own value
    return ours, djangos


def _signed_in(user: User, **changes) -> dict:
    data = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: MODEL_BACKEND,
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    data.update(changes)
    return data


def test_a_signed_in_session_gives_the_same_user_attribute_by_attribute():
    user = make_user(display_name="山田", preferred_language="en")
    ours, djangos = _both(_signed_in(user))
    assert ours == djangos
    assert ours[0] == "User" and dict(ours[1])["id"] == user.pk and ours[2] is True


@pytest.mark.parametrize(
    "case",
    ["no user", "inactive", "deleted", "wrong hash", "no hash", "epoch raised", "other backend", "bad key"],
)
def test_refusals_and_what_they_do_to_the_session_are_djangos(case):
    user = make_user()
    data = _signed_in(user)
    if case == "no user":
        data = {"something": 1}
    elif case == "inactive":
        User.objects.filter(pk=user.pk).update(is_active=False)
    elif case == "deleted":
        data = _signed_in(user)
        user.delete()
    elif case == "wrong hash":
        data[HASH_SESSION_KEY] = "0" * 64
    elif case == "no hash":
        del data[HASH_SESSION_KEY]
    elif case == "epoch raised":
        User.objects.filter(pk=user.pk).update(auth_epoch=user.auth_epoch + 1)
    elif case == "other backend":
        data[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.RemoteUserBackend"
    elif case == "bad key":
        data[SESSION_KEY] = "not-a-number"
    if case == "bad key":  # Django raises for a key that does not parse; so does the fast read
        with pytest.raises(Exception) as djangos:
            _outcome(auth.get_user, _session(data))
        with pytest.raises(djangos.type):
            _outcome(session_user, _session(data))
        return
    ours, djangos = _both(data)
    assert ours == djangos
    assert ours[0] == "AnonymousUser"
    flushed = case in ("wrong hash", "no hash", "epoch raised")
    assert ours[2] is not flushed


def test_a_session_made_with_a_fallback_secret_is_kept_under_a_new_key_and_hash():
    user = make_user()
    with override_settings(SECRET_KEY="the-old-secret-" + "x" * 40):
        old_hash = user.get_session_auth_hash()
    data = _signed_in(user, **{HASH_SESSION_KEY: old_hash})
    with override_settings(SECRET_KEY_FALLBACKS=["the-old-secret-" + "x" * 40]):
        ours, djangos = _both(data)
    assert ours[0] == djangos[0] == "User"
    assert ours[2] is False and djangos[2] is False  # cycled, as Django does
    assert ours[3] == djangos[3]
    assert ours[3][HASH_SESSION_KEY] == user.get_session_auth_hash()


def test_the_users_row_is_one_statement():
    user = make_user()
    request = _request(_session(_signed_in(user)))
    assert request.session[SESSION_KEY]  # the session's own read is not the user's
    with CaptureQueriesContext(connection) as queries:
        assert session_user(request) == user
    assert len(queries) == 1
    assert "accounts_user" in queries[0]["sql"]


def test_pages_see_the_user_through_the_middleware_and_sign_out_ends_it():
    from madoguchi.accounts.middleware import AuthenticationMiddleware
    from madoguchi.config import settings as project_settings

    assert "madoguchi.accounts.middleware.AuthenticationMiddleware" in project_settings.MIDDLEWARE
    user = make_user()
    client = Client()
    client.force_login(user)
    request = _request(client.session.session_key)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    assert request.user.is_authenticated and request.user.pk == user.pk
    User.objects.filter(pk=user.pk).update(auth_epoch=user.auth_epoch + 1)  # e.g. a membership revoked
    request = _request(client.session.session_key)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    assert not request.user.is_authenticated
