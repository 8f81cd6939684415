"""API authentication: the browser session (with CSRF on unsafe methods) or a personal token.

Two doors lead to the same ``request.user``:

- the browser session cookie, as for the HTML pages. Unsafe methods (POST, PATCH, DELETE)
  must then carry the CSRF token (``X-CSRFToken`` header), exactly like the forms;
- ``Authorization: Bearer <token>`` for scripts and mobile apps. The token is looked up by
  its SHA-256 digest (see ``madoguchi.accounts.models.ApiToken``). Browsers never attach this
  header by themselves, so token requests need no CSRF token.

A bearer token is an applicant's key: staff accounts (a membership or admin rights) can
neither be issued a token nor use one. A token is a long-lived secret without a second factor,
and staff powers are opened only by the staff sign-in (decision 0016, docs/identity.md).

Anonymous requests pass through with ``request.user`` anonymous (the catalog is public);
endpoints that need a signed-in user call ``require_user(request)``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie

from madoguchi.core import hotpath
from madoguchi.core.errors import DomainError, PermissionDeniedError

if TYPE_CHECKING:
    from madoguchi.accounts.models import ApiToken
    from madoguchi.accounts.types import Actor, User

TOKEN_PREFIX = "mdg_"
# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=5)
_MAX_TOKEN_LENGTH = 200


class CsrfFailedError(PermissionDeniedError):
    code = "csrf_failed"


def _no_view(request: HttpRequest) -> HttpResponse:
    """Stands for the view in the CSRF check, which only asks whether it is exempt (it is not)."""
    raise NotImplementedError


def _csrf_check(request: HttpRequest) -> None:
    reason = CsrfViewMiddleware(_no_view).process_view(request, _no_view, (), {})
    if reason is not None:
        raise CsrfFailedError(
            _("セキュリティ確認（CSRF）に失敗しました。ページを再読み込みしてからやり直してください。")
        )


class SessionOrTokenAuth(APIKeyCookie):
    """Bearer token if given, else the session (CSRF-checked on unsafe methods), else anonymous.

    Returns the user (or ``True`` for anonymous), which django-ninja stores in ``request.auth``.
    A bearer token that is unknown, revoked or expired answers 401 even on public endpoints,
    so a script with a broken token notices at once.
    """

    param_name = "sessionid"

    def __call__(self, request):
        return self.authenticate(request, None)

    def authenticate(self, request, key):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header:
            scheme, _sep, token = header.partition(" ")
            if scheme.lower() != "bearer":
                raise AuthenticationError()
            user = api_token_authenticate(token=token.strip())
            if user is None:
                raise AuthenticationError()
            request.user = user
            request.auth_method = "token"
            return user
        request.auth_method = "session"
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.COOKIES.get("sessionid"):
            _csrf_check(request)
        return request.user if request.user.is_authenticated else True


def require_user(request: HttpRequest) -> User:
    from madoguchi.accounts.models import User

    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise AuthenticationError()
    return user


# ---------------------------------------------------------------------------- tokens


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_create(
    *, user: User, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``. Returns (ApiToken, the token in clear — shown only once)."""
    from madoguchi.accounts.models import ApiToken
    from madoguchi.accounts.permissions import has_staff_powers
    from madoguchi.audit.services import audit_record

    if has_staff_powers(user):
        raise DomainError(
            _(
                "職員のアカウントには API トークンを発行できません。職員ログイン（2段階認証）をお使いください。"
            ),
            code="staff_token_refused",
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        api_token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=token[:12],
            token_hash=hash_token(token),
            expires_at=expires_at,
        )
        audit_record(
            actor=user,
            action="api_token.created",
            target=api_token,
            after={"name": api_token.name, "prefix": api_token.prefix},
        )
    return api_token, token


def api_token_revoke(*, api_token: ApiToken, actor: Actor) -> ApiToken:
    from madoguchi.audit.services import audit_record

    if api_token.revoked_at is not None:
        return api_token
    with transaction.atomic():
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            target=api_token,
            after={"prefix": api_token.prefix},
        )
    return api_token


def api_token_authenticate(*, token: str) -> User | None:
    """The active user owning ``token``, or None. One query on the hot path."""
    from madoguchi.accounts.models import ApiToken

    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
        return None
    found = _active_token(hash_token(token))
    if found is None:
        return None
    api_token, user_is_staff = found
    if not api_token.user.is_active or user_is_staff:
        return None
    now = timezone.now()
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token.user


def _active_token(token_hash: str) -> tuple[ApiToken, bool] | None:
    """The unrevoked token with this digest (its user loaded), and whether that user has staff
    powers, in one statement written out once (every API request runs it; see
    core/hotpath.py)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from madoguchi.accounts.models import ApiToken, User

    conn = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy per attribute
    statement = _TOKEN_SQL.get(conn.vendor) or _token_statement(conn)
    sql, tokens, users = statement
    cursor = hotpath.cursor(conn)
    cursor.execute(sql, [token_hash])
    row = cursor.fetchone()
    if row is None:
        return None
    split = len(tokens.fields)
    api_token = cast(ApiToken, tokens.instance(row[:split], conn))
    user = cast(User, users.instance(row[split:-1], conn))
    api_token.user = user
    return api_token, bool(row[-1]) or user.is_superuser or user.is_staff


_TOKEN_SQL: dict[str, tuple[str, Any, Any]] = {}


def _token_statement(conn: Any) -> tuple[str, Any, Any]:
    from madoguchi.accounts.models import ApiToken, Membership, User
    from madoguchi.core.hotpath import model_columns

    tokens = model_columns(ApiToken, conn, "t")
    users = model_columns(User, conn, "u")
    quote = conn.ops.quote_name
    user_pk = f"{quote('u')}.{quote(cast(str, User._meta.pk.column))}"
    has_membership = (
        f"EXISTS (SELECT 1 FROM {quote(Membership._meta.db_table)} {quote('m')} "
        f"WHERE {quote('m')}.{quote('user_id')} = {user_pk})"
    )
    sql = (
        f"SELECT {tokens.sql}, {users.sql}, {has_membership} FROM {quote(ApiToken._meta.db_table)} {quote('t')} "
        f"JOIN {quote(User._meta.db_table)} {quote('u')} "
        f"ON {user_pk} = {quote('t')}.{quote('user_id')} "
        f"WHERE {quote('t')}.{quote('token_hash')} = %s AND {quote('t')}.{quote('revoked_at')} IS NULL"
    )
    statement = _TOKEN_SQL[conn.vendor] = (sql, tokens, users)
    return statement
