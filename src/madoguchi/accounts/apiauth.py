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
    user, token_id, expires_at, last_used_at, has_membership = found
    if not user.is_active or has_membership or user.is_superuser or user.is_staff:
        return None
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        return None
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


def _active_token(token_hash: str) -> tuple[User, Any, datetime | None, datetime | None, bool] | None:
    """The user of the unrevoked token with this digest, the token's id, expiry and last use,
    and whether the user has a membership — in one statement written out once (every API request
    runs it; see core/hotpath.py). Only the user becomes an instance: of the token the checks
    need three values, so no ``ApiToken`` is built (nor its other six columns read)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from madoguchi.accounts.models import User

    conn = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy per attribute
    statement = _TOKEN_SQL.get(conn.vendor) or _token_statement(conn)
    sql, token_converters, users = statement
    cursor = hotpath.cursor(conn)
    cursor.execute(sql, [token_hash])
    row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, chain in zip(row[:3], token_converters, strict=True):
        for converter, expression in chain:
            value = converter(value, expression, conn)
        values.append(value)
    user = cast(User, users.instance(row[3:-1], conn))
    return user, values[0], values[1], values[2], bool(row[-1])


# the token's columns read, in this order (their converters are the model's)
_TOKEN_COLUMNS = ("id", "expires_at", "last_used_at")
_TOKEN_SQL: dict[str, tuple[str, Any, Any]] = {}


def _token_statement(conn: Any) -> tuple[str, Any, Any]:
    from madoguchi.accounts.models import ApiToken, Membership, User
    from madoguchi.core.hotpath import model_columns

    tokens = model_columns(ApiToken, conn, "t")
    users = model_columns(User, conn, "u")
    quote = conn.ops.quote_name
    read = [tokens.attnames.index(name) for name in _TOKEN_COLUMNS]
    token_converters = [tokens.converters[i] for i in read]
    token_sql = ", ".join(f"{quote('t')}.{quote(tokens.fields[i].column)}" for i in read)
    user_pk = f"{quote('u')}.{quote(cast(str, User._meta.pk.column))}"
    has_membership = (
        f"EXISTS (SELECT 1 FROM {quote(Membership._meta.db_table)} {quote('m')} "
        f"WHERE {quote('m')}.{quote('user_id')} = {user_pk})"
    )
    sql = (
        f"SELECT {token_sql}, {users.sql}, {has_membership} FROM {quote(ApiToken._meta.db_table)} {quote('t')} "
        f"JOIN {quote(User._meta.db_table)} {quote('u')} "
        f"ON {user_pk} = {quote('t')}.{quote('user_id')} "
        f"WHERE {quote('t')}.{quote('token_hash')} = %s AND {quote('t')}.{quote('revoked_at')} IS NULL"
    )
    statement = _TOKEN_SQL[conn.vendor] = (sql, token_converters, users)
    return statement
