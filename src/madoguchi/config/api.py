"""The JSON API under /api/v1/. Each app with an ``api.py`` exposing ``router`` is mounted.

Routers of ``procedures`` and ``applications`` are mounted at the root and declare their own
paths (``/api/v1/procedures``, ``/api/v1/drafts/{id}/submit``); the other apps' routers are
mounted under ``/api/v1/<app>/``.

Every error has one shape::

    {"error": {"code": "invalid", "message": "入力内容に誤りがあります。",
               "fields": {"name": ["氏名を入力してください。"]}}}

Client mistakes never answer 500: malformed JSON → 400, wrong Content-Type → 415, oversized
bodies → 413 (see core.middleware), invalid data or unknown fields → 422 with per-field
messages, unknown or someone else's objects → 404, a missing/invalid token → 401, a failed
CSRF check → 403, a refused state change (e.g. withdrawing a decided application) → 409,
a malformed multipart body → 400.

A failure on the server answers the same shape, never an HTML page: 503 with ``"retryable":
true`` and a ``Retry-After`` header when it is transient (the database or Redis unreachable, a
serialization failure), else 500 with ``"retryable": false``. The OpenAPI description declares
every one of these answers (``config/openapi.py``).
"""

import logging
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.core import signals
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from madoguchi.accounts.apiauth import SessionOrTokenAuth
from madoguchi.config.openapi import document_errors
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError, is_transient

logger = logging.getLogger("django.request")

# Seconds a client should wait before retrying after a transient server failure (503).
RETRY_AFTER_SECONDS = 5


class MadoguchiAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_errors(schema)


api = MadoguchiAPI(
    title="Madoguchi API",
    version="1",
    description=(
        "行政手続のオンライン申請 API / Online administrative procedures API.\n\n"
        "Authentication: the browser session (unsafe methods need the CSRF token in "
        "`X-CSRFToken`) or a personal token in `Authorization: Bearer <token>` "
        "(create one with `madoguchi api_token create EMAIL`). See docs/api.md."
    ),
    urls_namespace="api",
    auth=SessionOrTokenAuth(),
    # The interactive docs (Swagger UI) at /api/v1/docs, served from django-ninja's own static
    # files ("ninja" in INSTALLED_APPS), never from a CDN; the scripts are files (CSP 'self').
    docs_url="/docs",
)

API_APPS = [
    "accounts",
    "procedures",
    "applications",
    "review",
    "counter",
    "notifications",
    "reservations",
    "payments",
    "knowledge",
    "feedback",
    "ideas",
    "insights",
    "opendata",
    "audit",
    "ledger",
]
# Routers declare their own full paths ("/procedures", "/drafts/{id}/submit", "/search",
# "/reservations/...", "/mailbox/...", "/staff/..."), so every router is mounted at the root.
API_MODULES = [f"madoguchi.{app}.api" for app in API_APPS] + ["madoguchi.procedures.api_postal"]
for _module in API_MODULES:
    if find_spec(_module) is not None:
        _router = getattr(import_module(_module), "router", None)
        if _router is not None:
            api.add_router("/", _router)

# Last: any other path under /api/v1/ answers a JSON 404 instead of the HTML error page.
_fallback = Router(auth=None)


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:unknown}", include_in_schema=False
)
def _unknown_path(request, unknown: str):
    raise Http404


api.add_router("/", _fallback)


def _error(request, status: int, code: str, message: str, fields: dict | None = None, **extra: Any):
    body: dict = {"error": {"code": code, "message": str(message)}}
    if fields is not None:
        body["error"]["fields"] = fields
    body["error"].update(extra)
    return api.create_response(request, body, status=status)


@api.exception_handler(FieldErrors)
def _field_errors(request, exc: FieldErrors):
    return _error(request, 422, "invalid", str(exc.message), exc.as_dict())


# Plain Japanese for the schema (shape) errors pydantic reports, by error type.
_SCHEMA_MESSAGES: dict[str, str] = {
    "missing": N_("この項目は必須です。"),
    "extra_forbidden": N_("この項目は指定できません。"),
    "string_type": N_("文字列で指定してください。"),
    "string_too_short": N_("%(min_length)s文字以上で指定してください。"),
    "string_too_long": N_("%(max_length)s文字以内で指定してください。"),
    "string_pattern_mismatch": N_("形式が正しくありません。"),
    "dict_type": N_("オブジェクト（{...}）で指定してください。"),
    "model_type": N_("オブジェクト（{...}）で指定してください。"),
    "model_attributes_type": N_("オブジェクト（{...}）で指定してください。"),
    "list_type": N_("配列（[...]）で指定してください。"),
    "int_type": N_("整数で指定してください。"),
    "int_parsing": N_("整数で指定してください。"),
    "int_from_float": N_("整数で指定してください。"),
    "bool_type": N_("true か false で指定してください。"),
    "bool_parsing": N_("true か false で指定してください。"),
    "greater_than_equal": N_("%(ge)s以上で指定してください。"),
    "less_than_equal": N_("%(le)s以下で指定してください。"),
    "greater_than": N_("%(gt)sより大きい値で指定してください。"),
    "less_than": N_("%(lt)sより小さい値で指定してください。"),
    "literal_error": N_("指定できる値は %(expected)s です。"),
    "enum": N_("指定できる値は %(expected)s です。"),
    "uuid_parsing": N_("ID の形式が正しくありません。"),
    "uuid_type": N_("ID の形式が正しくありません。"),
    "datetime_parsing": N_("日時の形式が正しくありません（ISO 8601）。"),
    "date_parsing": N_("日付の形式が正しくありません（YYYY-MM-DD）。"),
}


def schema_message(err: dict[str, Any]) -> str:
    template = _SCHEMA_MESSAGES.get(err.get("type", ""))
    if template is None:
        return _("値が正しくありません。")
    try:
        return _(template) % {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    except (KeyError, TypeError, ValueError):
        return _("値が正しくありません。")


@api.exception_handler(NinjaValidationError)
def _schema_errors(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path", "header")]
        if not loc and err.get("type") == "missing":
            message = _("リクエストの本文（JSON のオブジェクト）を送ってください。")
        else:
            message = schema_message(err)
        fields.setdefault(".".join(loc) or "__all__", []).append(message)
    return _error(request, 422, "invalid", _("入力内容に誤りがあります。"), fields)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return _error(
            request, 400, "malformed", _("リクエストの形式が正しくありません（JSON を確認してください）。")
        )
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("見つかりません。"))


@api.exception_handler(PermissionDeniedError)
def _forbidden(request, exc: PermissionDeniedError):
    return _error(request, 403, exc.code, str(exc.message) or _("この操作は許可されていません。"))


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    response = _error(
        request,
        401,
        "unauthorized",
        _("ログインが必要です（API トークンの場合は Authorization: Bearer を確認してください）。"),
    )
    response["WWW-Authenticate"] = 'Bearer realm="madoguchi"'
    return response


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, str(exc.message))


@api.exception_handler(MultiPartParserError)
def _malformed_multipart(request, exc: MultiPartParserError):
    return _error(
        request,
        400,
        "malformed",
        _("リクエストの形式が正しくありません（multipart/form-data の本文を確認してください）。"),
    )


@api.exception_handler(Exception)
def _server_error(request, exc: Exception):
    """Anything else is our fault: log it as Django would, answer the error shape with a retry hint.

    ``got_request_exception`` is sent as Django's own handler does, so error reporting (and the
    test client, which re-raises) still sees the exception."""
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    signals.got_request_exception.send(sender=None, request=request)
    if is_transient(exc):
        response = _error(
            request,
            503,
            "unavailable",
            _("ただいま処理できません。しばらくしてからもう一度お試しください。"),
            retryable=True,
            retry_after=RETRY_AFTER_SECONDS,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _error(
        request,
        500,
        "server_error",
        _("サーバーでエラーが発生しました。時間をおいてもう一度お試しください。"),
        retryable=False,
    )
