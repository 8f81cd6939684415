"""Token API requests pass the browser's middleware by (core/middleware.py): the answers must
be what Django's own session, CSRF, authentication and messages middleware gave, headers
included, and nothing else may pass them by."""

import pytest
from django.test import Client, override_settings

from madoguchi.core.testing import ApiClient, make_api_token, make_procedure, make_user

pytestmark = pytest.mark.django_db

DJANGO_ORIGINALS = {
    "madoguchi.core.middleware.SessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
    "madoguchi.core.middleware.CsrfViewMiddleware": "django.middleware.csrf.CsrfViewMiddleware",
    "madoguchi.accounts.middleware.AuthenticationMiddleware": "django.contrib.auth.middleware.AuthenticationMiddleware",
    "madoguchi.core.middleware.MessageMiddleware": "django.contrib.messages.middleware.MessageMiddleware",
}
# what differs between two requests by nature
VOLATILE = {"id", "created_at", "updated_at"}


def with_django_originals():
    from django.conf import settings

    return override_settings(MIDDLEWARE=[DJANGO_ORIGINALS.get(m, m) for m in settings.MIDDLEWARE])


def answers(token: str, procedure) -> list[tuple[int, dict, dict]]:
    """A token client's usual requests: public list, create, read, an error, an unknown path."""
    api = ApiClient(token)
    ref = f"{procedure.organization.slug}/{procedure.slug}"
    created = api.post("/drafts", {"procedure": ref, "data": {"name": "山田"}})
    responses = [
        api.get("/procedures"),
        created,
        api.get(f"/drafts/{created.json()['id']}"),
        api.post("/drafts", {"procedure": ref, "data": {"nope": 1}}, HTTP_ACCEPT_LANGUAGE="en"),
        api.get("/no-such-thing"),
        ApiClient("mdg_not-a-token").get("/drafts"),
    ]
    out = []
    for response in responses:
        body = response.json()
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in VOLATILE}
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length",)}
        out.append((response.status_code, headers, body))
    return out


def test_token_api_answers_are_what_djangos_middleware_gave_headers_included():
    procedure = make_procedure()
    _user, token = make_api_token()
    passed_by = answers(token, procedure)
    with with_django_originals():
        full_way = answers(token, procedure)
    assert passed_by == full_way
    for status, headers, _body in passed_by:
        assert "Set-Cookie" not in headers, status
        assert headers["Cache-Control"] == "private, no-store" or status == 401
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in headers
        assert "Accept-Language" in headers["Vary"]
    message = passed_by[3][2]["error"]["fields"]["nope"][0]
    assert message.isascii(), message  # Accept-Language: en still chooses the language


def test_a_token_request_with_a_session_cookie_goes_the_whole_way():
    from django.conf import settings

    user, token = make_api_token()
    client = Client()
    client.force_login(user)
    response = ApiClient(token, client=client).get("/drafts")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME in client.cookies
    assert response.wsgi_request._madoguchi_token_api is False
    assert response.wsgi_request.session.session_key  # the session middleware loaded it


def test_a_bearer_header_does_not_take_a_page_past_the_csrf_check():
    """Only the JSON API is passed by: a form POST elsewhere with a bearer header is still
    refused without the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    response = client.post("/accounts/logout/", {}, HTTP_AUTHORIZATION="Bearer mdg_anything")
    assert response.status_code == 403
    assert response.wsgi_request._madoguchi_token_api is False


def test_a_token_api_request_still_checks_the_host():
    _user, token = make_api_token()
    response = ApiClient(token).get("/drafts", HTTP_HOST="evil.example")
    assert response.status_code == 400


def test_a_token_api_request_keeps_no_session():
    _user, token = make_api_token()
    response = ApiClient(token).get("/drafts")
    request = response.wsgi_request
    assert request._madoguchi_token_api is True
    assert request.session.session_key is None and not request.session.modified
