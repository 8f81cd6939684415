"""The token API's lane: a token API request (``core.middleware.is_token_api_request``: under
``/api/v1/``, ``Authorization: Bearer``, no session cookie) goes through one middleware that does
what the rest of the stack would do for it, then Django's own view handling (URL resolution,
``process_view``, the view), and gets the same answer, byte for byte.

Through the whole stack such a request crossed thirteen middlewares, each in its own
exception wrapper, four of them only to be passed by, and the header setters each parsed and
checked their constant values again: ≈ 470 k instructions per request on a trivial view
(docs/performance.md, "Issue 19, eighth session"), ≈ 9 % of a complete API submission.
``AFTER_THE_LANE`` says, for every middleware after this one in ``settings.MIDDLEWARE``, what
the lane does in its place; if the list in the settings is not exactly those, in that order,
the lane stands aside and every request goes the long way (a new middleware is a decision, not
an accident: ``core/tests/test_token_lane.py``).

The long way is also taken, whatever the request, when the settings ask for what the lane does
not do: a redirect to https of a plain-http request, ``PREPEND_WWW``, disallowed user agents,
language prefixes in the URLs, static files served under the API's prefix; and for a request
whose host is not allowed (its 400 is the long way's).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import convert_exception_to_response
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import translation

from madoguchi.core.headers import light_response_headers, put_header
from madoguchi.core.middleware import (
    TOKEN_API_PREFIX,
    RequestSizeLimitMiddleware,
    is_token_api_request,
    security_headers,
)

THIS = "madoguchi.core.token_lane.TokenApiLaneMiddleware"
# Every middleware after the lane in settings.MIDDLEWARE, in order, and what the lane does in
# its place for a token API request.
AFTER_THE_LANE = {
    "django.middleware.security.SecurityMiddleware": "itself (an instance of it)",
    "madoguchi.core.middleware.SecurityHeadersMiddleware": "itself",
    "madoguchi.core.middleware.PersonalPagesNoStoreMiddleware": "itself (a token request is personal)",
    "whitenoise.middleware.WhiteNoiseMiddleware": "skipped: no static file under the API's prefix",
    "madoguchi.core.middleware.RequestSizeLimitMiddleware": "itself",
    "madoguchi.reservations.middleware.WaitingRoomMiddleware": "skipped: booking page GETs only",
    "madoguchi.core.middleware.SessionMiddleware": "its token_api: an empty session, never saved",
    "django.middleware.locale.LocaleMiddleware": "_inner: the language of the request, its headers",
    "django.middleware.common.CommonMiddleware": "_inner: the host check, Content-Length; a 404 asks it",
    "madoguchi.core.middleware.CsrfViewMiddleware": "its token_api (nothing); process_view still runs",
    "madoguchi.accounts.middleware.AuthenticationMiddleware": "its token_api: the token gives the user",
    "madoguchi.core.middleware.MessageMiddleware": "its token_api (nothing)",
    "django.middleware.clickjacking.XFrameOptionsMiddleware": "_inner: X-Frame-Options",
}


def _never(request):  # the get_response of the instances whose parts the lane calls
    raise AssertionError("not called")


def _innermost(handler: Any) -> Any:
    """Django's view handling as the innermost middleware gets it (``_get_response`` in its
    exception wrapper), found by following the chain from the lane's ``get_response``."""
    while True:
        wrapped = getattr(handler, "__wrapped__", None)
        if wrapped is None:
            return None
        if getattr(wrapped, "__name__", "") == "_get_response":
            return handler
        handler = getattr(wrapped, "get_response", None)


def _settings_allow() -> bool:
    from urllib.parse import urlsplit

    static = urlsplit(settings.STATIC_URL or "").path
    return (
        not settings.PREPEND_WWW
        and not settings.DISALLOWED_USER_AGENTS
        and getattr(settings, "WHITENOISE_ROOT", None) is None
        and getattr(settings, "WHITENOISE_STATIC_PREFIX", None) is None  # else STATIC_URL's path
        and not (static and (static.startswith(TOKEN_API_PREFIX) or TOKEN_API_PREFIX.startswith(static)))
    )


class TokenApiLaneMiddleware:
    def __init__(self, get_response):
        from django.utils.module_loading import import_string

        self.get_response = get_response
        after = (
            settings.MIDDLEWARE[settings.MIDDLEWARE.index(THIS) + 1 :] if THIS in settings.MIDDLEWARE else []
        )
        view = _innermost(get_response)
        self.enabled = list(after) == list(AFTER_THE_LANE) and view is not None and _settings_allow()
        if not self.enabled:
            return
        self.view = view
        self.common = CommonMiddleware(_never)
        # SecurityMiddleware reads its settings once, when it is made: so does the lane
        security = SecurityMiddleware(_never)
        self.ssl_redirect = security.redirect
        self.sts = None
        if security.sts_seconds:
            self.sts = f"max-age={security.sts_seconds}"
            self.sts += "; includeSubDomains" if security.sts_include_subdomains else ""
            self.sts += "; preload" if security.sts_preload else ""
        policy = security.referrer_policy
        if policy:
            policy = ",".join([v.strip() for v in policy.split(",")] if isinstance(policy, str) else policy)
        self.security_defaults = [
            (name, value)
            for name, value in (
                ("X-Content-Type-Options", "nosniff" if security.content_type_nosniff else None),
                ("Referrer-Policy", policy or None),
                ("Cross-Origin-Opener-Policy", security.cross_origin_opener_policy or None),
            )
            if value is not None
        ]
        # the passed-by middlewares' token_api, before the language (session) and after it
        locale = after.index("django.middleware.locale.LocaleMiddleware")
        self.before_locale, self.after_locale = (
            [import_string(p)(_never).token_api for p in part if hasattr(import_string(p), "token_api")]
            for part in (after[:locale], after[locale:])
        )
        # the size limit as it is, in its exception wrapper, around the inner part in its own
        self.size_limited = convert_exception_to_response(
            RequestSizeLimitMiddleware(convert_exception_to_response(self._inner))
        )

    def __call__(self, request):
        if (
            not self.enabled
            or not is_token_api_request(request)
            or (self.ssl_redirect and not request.is_secure())  # SecurityMiddleware's redirect
            or is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]
            or "urlconf" in request.__dict__
        ):
            return self.get_response(request)
        try:
            request.get_host()  # CommonMiddleware's check: a host not allowed answers the long way's 400
        except DisallowedHost:
            return self.get_response(request)
        response = self.size_limited(request)
        store = response.headers._store
        # PersonalPagesNoStoreMiddleware: a request with an Authorization header is personal
        if "cache-control" not in store:
            put_header(response, "Cache-Control", "private, no-store")  # what patch_cache_control writes
        # SecurityHeadersMiddleware, then SecurityMiddleware.process_response
        for name, value in security_headers():
            if name.lower() not in store:
                put_header(response, name, value)
        if self.sts and "strict-transport-security" not in store and request.is_secure():
            put_header(response, "Strict-Transport-Security", self.sts)
        for name, value in self.security_defaults:
            if name.lower() not in store:
                put_header(response, name, value)
        return response

    def _inner(self, request):
        """Session, language, host (checked), CSRF, authentication, messages, the view, frame
        options — as those middlewares do it for a token API request."""
        for hook in self.before_locale:  # session
            hook(request)
        # LocaleMiddleware.process_request without language prefixes in the URLs
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        for hook in self.after_locale:  # CSRF, authentication, messages
            hook(request)
        # frame options, content length, language: as the three middlewares answer
        return light_response_headers(request, self.view(request), self.common)
