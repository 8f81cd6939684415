"""API authentication: the browser session (with CSRF for unsafe methods) or a bearer token."""

from __future__ import annotations

from django.middleware.csrf import CsrfViewMiddleware
from ninja.security import APIKeyCookie


class SessionOrTokenAuth(APIKeyCookie):
    """Session cookie auth; anonymous requests pass through with ``request.user`` anonymous.

    Endpoints that need a signed-in user check ``request.user.is_authenticated`` through
    ``madoguchi.core.apiauth.require_user``. Unsafe methods with a session cookie must carry
    the CSRF token (same protection as the HTML forms).
    """

    param_name = "sessionid"

    def __call__(self, request):
        return self.authenticate(request, None)

    def authenticate(self, request, key):
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.COOKIES.get("sessionid"):
            reason = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if reason is not None:
                from ninja.errors import AuthenticationError

                raise AuthenticationError()
        return request.user if request.user.is_authenticated else True


def require_user(request):
    from ninja.errors import AuthenticationError

    if not request.user.is_authenticated:
        raise AuthenticationError()
    return request.user
