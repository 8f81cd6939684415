"""``core.csrf_token.form_token`` is Django's ``get_token`` with fewer random reads: the same
token format, the same flags on the request, a token the CSRF middleware accepts."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CsrfViewMiddleware,
    _unmask_cipher_token,
    get_token,
)
from django.test import RequestFactory

from madoguchi.core import csrf_token
from madoguchi.core.csrf_token import form_token, random_string


def _request_with_cookie(secret: str | None):
    request = RequestFactory().get("/")
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_the_token_unmasks_to_the_cookies_secret_and_flags_the_request_as_get_token_does():
    secret = random_string()
    ours, django = _request_with_cookie(secret), _request_with_cookie(secret)
    token, theirs = form_token(ours), get_token(django)
    assert len(token) == len(theirs) == 64
    assert set(token) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == _unmask_cipher_token(theirs) == secret
    assert ours.META["CSRF_COOKIE"] == secret and ours.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert {k: v for k, v in ours.META.items() if k.startswith("CSRF")} == {
        k: v for k, v in django.META.items() if k.startswith("CSRF")
    }
    assert form_token(ours) != token  # a fresh mask each time (BREACH)


def test_without_a_cookie_a_new_secret_is_made_and_sent():
    request = _request_with_cookie(None)
    token = form_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert len(secret) == 32 and set(secret) <= set(CSRF_ALLOWED_CHARS)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert _unmask_cipher_token(token) == secret


def test_every_character_is_about_equally_likely():
    counts = Counter("".join(random_string() for _ in range(2000)))  # 64,000 characters
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = 64_000 / 62
    assert all(abs(n - expected) < 0.25 * expected for n in counts.values()), counts


def test_random_bytes_over_the_limit_are_dropped_not_folded(monkeypatch):
    """Bytes 248–255 would favour the first eight letters if taken modulo 62."""
    draws = iter([bytes([255] * 40 + [0] * 8), bytes([61] * 48)])
    monkeypatch.setattr(csrf_token.os, "urandom", lambda n: next(draws))
    assert random_string() == CSRF_ALLOWED_CHARS[0] * 8 + CSRF_ALLOWED_CHARS[61] * 24


def test_the_middleware_accepts_the_token_and_refuses_another_secrets():
    secret = random_string()
    middleware = CsrfViewMiddleware(lambda request: HttpResponse())

    def post(token: str):
        request = RequestFactory().post("/", {"csrfmiddlewaretoken": token})
        request.COOKIES[settings.CSRF_COOKIE_NAME] = secret
        middleware.process_request(request)
        return middleware.process_view(request, lambda r: HttpResponse(), (), {})

    assert post(form_token(_request_with_cookie(secret))) is None  # let through
    refused = post(form_token(_request_with_cookie(random_string())))
    assert refused is not None and refused.status_code == 403
