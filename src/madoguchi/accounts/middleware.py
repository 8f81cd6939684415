"""Who a browser request comes from: Django's authentication middleware with the session's user
read in one statement written out once (decision 0029), and passed by for token API requests
(``core.middleware.PassedByTokenApi``).

Every signed-in page and form reads the session's user; in an opening rush that is every
booking-form GET and every booking POST, and the ORM's build of ``User.objects.get(pk=…)`` was
≈ 15 % of each (docs/performance.md, "Issue 19, seventh session"). ``session_user`` is Django's
``auth.get_user`` for sessions made through ``ModelBackend`` — the only backend configured:
the same checks in the same order (an active user, the session's auth hash, the fallback
secrets' hashes, a session flushed when none matches), only the user's row is read by a
statement built once per process. Anything else (another backend, another user model, a key that does not parse) goes to ``auth.get_user`` itself.
``accounts/tests/test_session_user.py`` holds the two together.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from madoguchi.accounts.models import User
from madoguchi.accounts.sessions import MODEL_BACKEND
from madoguchi.core import hotpath
from madoguchi.core.middleware import PassedByTokenApi


async def _token_api_auser(request):
    return request.user


class AuthenticationMiddleware(PassedByTokenApi, DjangoAuthenticationMiddleware):
    def process_request(self, request) -> None:
        super().process_request(request)  # Django's check that sessions come first, ``auser``
        request.user = SimpleLazyObject(partial(_cached_user, request))

    def token_api(self, request) -> None:
        request.user = AnonymousUser()  # the API's token authentication puts the token's user here
        request.auser = partial(_token_api_auser, request)


def _cached_user(request: HttpRequest) -> Any:
    # as django.contrib.auth.middleware.get_user: once per request
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


def session_user(request: HttpRequest) -> User | AnonymousUser:
    """The session's user, or ``AnonymousUser``: ``django.contrib.auth.get_user`` with the
    user's row read by a statement written out once (see the module's docstring)."""
    session = request.session
    try:
        raw_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if not _fast_path(backend_path):
        return auth.get_user(request)
    try:
        user_id = User._meta.pk.to_python(raw_id)
    except ValidationError:
        return auth.get_user(request)  # Django's own answer to a key that does not parse
    user = active_user(user_id)
    if user is None:
        return AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        return user
    if session_hash and any(
        constant_time_compare(session_hash, fallback) for fallback in user.get_session_auth_fallback_hash()
    ):
        session.cycle_key()
        session[HASH_SESSION_KEY] = session_auth_hash
        return user
    session.flush()
    return AnonymousUser()


def _fast_path(backend_path: str) -> bool:
    return (
        backend_path == MODEL_BACKEND
        and backend_path in settings.AUTHENTICATION_BACKENDS
        and settings.AUTH_USER_MODEL == "accounts.User"  # User's manager filters nothing
    )


def active_user(user_id: Any) -> User | None:
    """``ModelBackend.get_user``: the user with this key if it may sign in (``is_active``),
    else None — one statement written out once per process and database."""
    from django.db import DEFAULT_DB_ALIAS, connections

    conn = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy per attribute
    statement = _USER_SQL.get(conn.vendor) or _user_statement(conn)
    sql, users = statement
    cursor = hotpath.cursor(conn)
    cursor.execute(sql, [user_id])
    row = cursor.fetchone()
    if row is None:
        return None
    user = users.instance(row, conn)
    assert isinstance(user, User)
    return user if getattr(user, "is_active", True) else None


_USER_SQL: dict[str, tuple[str, Any]] = {}


def _user_statement(conn: Any) -> tuple[str, Any]:
    users = hotpath.model_columns(User, conn, "u")
    quote = conn.ops.quote_name
    sql = (
        f"SELECT {users.sql} FROM {quote(User._meta.db_table)} {quote('u')} "
        f"WHERE {quote('u')}.{quote(User._meta.pk.column)} = %s"
    )
    statement = _USER_SQL[conn.vendor] = (sql, users)
    return statement
