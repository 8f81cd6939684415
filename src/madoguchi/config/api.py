"""The JSON API under /api/v1/. Each app with an ``api.py`` exposing ``router`` is mounted.

Routers are mounted at the root and declare their own paths, so URLs read naturally
(``/api/v1/procedures``, ``/api/v1/drafts/{id}/submit``, ``/api/v1/search``).

Client mistakes never answer 500: malformed JSON → 400, invalid data → 422 with per-field
messages, oversized bodies → 413 (see core.middleware), unknown objects → 404.
"""

from importlib import import_module
from importlib.util import find_spec

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from madoguchi.core.apiauth import SessionOrTokenAuth
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError

api = NinjaAPI(
    title="Madoguchi API",
    version="1",
    description="行政手続のオンライン申請 API / Online administrative procedures API",
    urls_namespace="api",
    auth=SessionOrTokenAuth(),
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
]
for _app in API_APPS:
    _module = f"madoguchi.{_app}.api"
    if find_spec(_module) is not None:
        _router = getattr(import_module(_module), "router", None)
        if _router is not None:
            api.add_router(
                f"/{_app.replace('_', '-')}" if _app not in {"procedures", "applications"} else "/", _router
            )


def _error(request, status: int, code: str, message: str, fields: dict | None = None):
    body: dict = {"error": {"code": code, "message": message}}
    if fields is not None:
        body["error"]["fields"] = fields
    return api.create_response(request, body, status=status)


@api.exception_handler(FieldErrors)
def _field_errors(request, exc: FieldErrors):
    return _error(request, 422, "invalid", str(exc.message), exc.as_dict())


@api.exception_handler(NinjaValidationError)
def _schema_errors(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        fields.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", "invalid"))
    return _error(request, 422, "invalid", "入力内容に誤りがあります。", fields)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return _error(
            request, 400, "malformed", "リクエストの形式が正しくありません（JSON を確認してください）。"
        )
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", "見つかりません。")


@api.exception_handler(PermissionDeniedError)
def _forbidden(request, exc):
    return _error(request, 403, "forbidden", str(exc) or "この操作は許可されていません。")


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return _error(request, 401, "unauthorized", "ログインが必要です。")


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, str(exc.message))
