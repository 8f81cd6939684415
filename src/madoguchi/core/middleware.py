"""Security headers (CSP), no caching of personal pages, a hard request-size limit answered
with a clean 413, and the browser's middleware passed by for token API requests."""

from __future__ import annotations

from tempfile import SpooledTemporaryFile

from django.conf import global_settings, settings
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from madoguchi.core.message_cookie import FallbackStorage

_CHUNK = 64 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH"}
API_PREFIX = "/api/"
# django-ninja's API: every view under it is its own (CSRF-exempt at Django's level; the API's
# authentication checks CSRF itself for session requests, accounts/apiauth.py)
TOKEN_API_PREFIX = "/api/v1/"


def is_token_api_request(request) -> bool:
    """A request to the JSON API that authenticates with a bearer token and carries no session
    cookie — a mobile app or a script. The browser's middleware has nothing to do for it: no
    session to load or save, no user from a session (the token gives the user, or the endpoint
    is public), no CSRF cookie (a token is not sent by browsers on their own), no messages. Those
    middlewares pass it by (about a third of the middleware's work per API request,
    docs/performance.md); the security headers, the size limit, the language and the no-store
    rule still apply. Decided once per request."""
    known = request.__dict__.get("_madoguchi_token_api")
    if known is None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        known = (
            request.path_info.startswith(TOKEN_API_PREFIX)
            and header[:7].lower() == "bearer "
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )
        request._madoguchi_token_api = known
    return known


class PassedByTokenApi:
    """A browser middleware that a token API request passes by (``is_token_api_request``);
    ``token_api(request)`` leaves on the request what the code after it may read."""

    def __call__(self, request):
        if not self.async_mode and is_token_api_request(request):  # type: ignore[attr-defined]
            self.token_api(request)
            return self.get_response(request)  # type: ignore[attr-defined]
        return super().__call__(request)  # type: ignore[misc]

    def token_api(self, request) -> None:
        pass


class SessionMiddleware(PassedByTokenApi, DjangoSessionMiddleware):
    def token_api(self, request) -> None:
        # what a request without a session cookie gets, never saved: a token request keeps no session
        request.session = self.SessionStore(None)


class CsrfViewMiddleware(PassedByTokenApi, DjangoCsrfViewMiddleware):
    """No CSRF cookie is read or set for a token API request; ``process_view`` still runs (the
    API's views are exempt at Django's level and check a session request themselves)."""


class MessageMiddleware(PassedByTokenApi, DjangoMessageMiddleware):
    """Django's, with Django's default storage taken from ``core/message_cookie.py`` (the same
    classes, the cookie's value signed once per distinct list of messages); a ``MESSAGE_STORAGE``
    of another storage is used as configured."""

    def process_request(self, request) -> None:
        if settings.MESSAGE_STORAGE == global_settings.MESSAGE_STORAGE:
            request._messages = FallbackStorage(request)
        else:
            super().process_request(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in security_headers():
            response.headers.setdefault(name, value)
        return response


def security_headers() -> tuple[tuple[str, str], ...]:
    """What ``SecurityHeadersMiddleware`` adds to an answer that does not say it itself."""
    return (
        ("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY),
        ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    )


class PersonalPagesNoStoreMiddleware:
    """Nothing personal is kept by a browser or a shared cache: ``Cache-Control: private, no-store``.

    One rule for every page, view and download: a response is personal when the request carries
    a session cookie or an ``Authorization`` header, or the response sets a cookie or varies on
    it (the session was read). Such a response gets ``private, no-store`` unless the view said
    something itself (``never_cache``, or the reservations pages that are the same for everyone
    and say ``public``: they never touch the session). The decision reads headers only, so
    public pages stay free of session lookups. Installed outside SessionMiddleware, so it sees
    the ``Vary: Cookie`` that middleware adds.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        if is_personal(request, response):
            patch_cache_control(response, private=True, no_store=True)
        return response


def is_personal(request, response) -> bool:
    if settings.SESSION_COOKIE_NAME in request.COOKIES or request.META.get("HTTP_AUTHORIZATION"):
        return True
    if response.cookies:
        return True
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
    return "cookie" in vary or "authorization" in vary


def body_limit(content_type: str, path: str = "") -> int:
    """Multipart bodies (file uploads) may be large; everything else is small. A few paths
    take larger files (``REQUEST_SIZE_LIMITS_BY_PREFIX``, e.g. the ledger's 被災者台帳)."""
    if content_type.startswith("multipart/form-data"):
        for prefix, limit in getattr(settings, "REQUEST_SIZE_LIMITS_BY_PREFIX", {}).items():
            if path.startswith(prefix):
                return max(limit, settings.MAX_REQUEST_BYTES)
        return settings.MAX_REQUEST_BYTES
    return settings.MAX_JSON_BYTES


def _is_json(content_type: str) -> bool:
    base = content_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or (base.startswith("application/") and base.endswith("+json"))


class RequestSizeLimitMiddleware:
    """Refuse bodies larger than MAX_REQUEST_BYTES (uploads) or MAX_JSON_BYTES (anything else).

    - With a Content-Length header the decision is made before reading anything.
    - A chunked body (``Transfer-Encoding: chunked``, no Content-Length) is read here up to the
      limit into a spooled temporary file; the first byte over the limit answers 413 without
      reading further. Below the limit Django then sees an ordinary body with a length
      (without this, Django would silently read a chunked body as empty).
    - API bodies must be JSON or multipart: anything else answers 415 (the API never guesses).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        content_type = meta.get("CONTENT_TYPE", "")
        limit = body_limit(content_type, request.path_info)
        raw_length = meta.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
        if raw_length.strip():
            try:
                length = int(raw_length)
            except ValueError:
                length = -1
            if length < 0:
                return bad_request(request)
            if length > limit:
                return too_large(request, limit)
        elif chunked:
            length = self._buffer_chunked(request, limit)
            if length is None:
                return too_large(request, limit)
        else:
            length = 0
        if (
            length > 0
            and request.method in _BODY_METHODS
            and request.path_info.startswith(API_PREFIX)
            and not _is_json(content_type)
            and not content_type.startswith("multipart/form-data")
        ):
            return unsupported_media_type(request)
        response = self.get_response(request)
        if response.status_code == 405 and request.path_info.startswith(API_PREFIX):
            return method_not_allowed(response)
        return response

    @staticmethod
    def _buffer_chunked(request, limit: int) -> int | None:
        """Read a chunked body up to ``limit``; None when it is larger (nothing more is read)."""
        stream = request.environ.get("wsgi.input")
        if stream is None:
            return 0
        buffer = SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
        total = 0
        while True:
            chunk = stream.read(min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                buffer.close()
                return None
            buffer.write(chunk)
        buffer.seek(0)
        request.META["CONTENT_LENGTH"] = str(total)
        request._stream = LimitedStream(buffer, total)
        request._read_started = False
        return total


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def method_not_allowed(response: HttpResponse) -> HttpResponse:
    """django-ninja answers an unsupported method with a plain-text 405; the API's errors are
    JSON of one shape, so say it in that shape (keeping the Allow header)."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response
    allowed = response.get("Allow", "")
    message = _("この URL ではこの HTTP メソッドは使えません。")
    if allowed:
        message += _("使えるもの: %(methods)s") % {"methods": allowed}
    json_response = _api_error(405, "method_not_allowed", message)
    if allowed:
        json_response["Allow"] = allowed
    return json_response


def _html_error(status: int, message: str) -> HttpResponse:
    html = render_to_string("core/error.html", {"title": str(status), "message": message}, request=None)
    return HttpResponse(html, status=status)


def too_large(request, limit: int) -> HttpResponse:
    if limit >= 1024 * 1024:
        size = f"{limit // (1024 * 1024)} MB"
    else:
        size = f"{max(1, limit // 1024)} KB"
    message = (
        f"送信されたデータが大きすぎます（上限 {size}）。ファイルやデータを小さくしてやり直してください。"
    )
    if request.path_info.startswith(API_PREFIX):
        return _api_error(413, "too_large", message)
    return _html_error(413, message)


def bad_request(request) -> HttpResponse:
    message = "リクエストの形式が正しくありません（Content-Length が不正です）。"
    if request.path_info.startswith(API_PREFIX):
        return _api_error(400, "malformed", message)
    return _html_error(400, message)


def unsupported_media_type(request) -> HttpResponse:
    return _api_error(
        415,
        "unsupported_media_type",
        "Content-Type は application/json（ファイルの送信は multipart/form-data）にしてください。",
    )
