"""The token API's lane (core/token_lane.py): every answer of a token API request is what the
whole middleware stack gives — status, headers in order, body — every middleware after the lane
is taken or skipped on purpose, and nothing but a token API request takes the lane."""

import json
import uuid

import pytest
from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.test import Client, override_settings

from madoguchi.core import token_lane
from madoguchi.core.testing import make_api_token, make_procedure, record_middleware_entries

pytestmark = pytest.mark.django_db

WITHOUT = [m for m in settings.MIDDLEWARE if m != token_lane.THIS]
# what differs between two runs by nature (new rows): masked in the bodies
VOLATILE = {"id", "created_at", "updated_at", "submitted_at", "reference_number", "application_id"}
SIZE_LIMIT = {"MAX_JSON_BYTES": 2000}


def _mask(value):
    if isinstance(value, dict):
        return {k: ("…" if k in VOLATILE else _mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _answer(response):
    """Status, every header in order (the length checked, not compared: masked values vary),
    cookies, and the body (JSON masked, else the bytes)."""
    headers = list(response.headers.items())
    lengths = [v for k, v in headers if k == "Content-Length"]
    assert lengths in ([], [str(len(response.content))])
    headers = [(k, v) for k, v in headers if k != "Content-Length"]
    if response.get("Content-Type", "").startswith("application/json") and response.content:
        body = _mask(json.loads(response.content))
    else:
        body = response.content
    return response.status_code, headers, sorted(response.cookies), body


def _run(scenario, chain, **settings_):
    with override_settings(MIDDLEWARE=chain, **settings_):
        return [_answer(r) for r in scenario()]


def _both(scenario, **settings_):
    lane = _run(scenario, settings.MIDDLEWARE, **settings_)
    long_way = _run(scenario, WITHOUT, **settings_)
    assert lane == long_way
    return lane


def _client(**extra):
    return Client(raise_request_exception=False, **extra)


def _submission_scenario(language: str):
    procedure = make_procedure()
    ref = f"{procedure.organization.slug}/{procedure.slug}"
    other_user, other_token = make_api_token()

    def scenario():
        _user, token = make_api_token()
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": language}
        c = _client()

        def post(path, body, **extra):
            data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
            return c.post(f"/api/v1{path}", data, content_type="application/json", **{**auth, **extra})

        created = post("/drafts", {"procedure": ref, "data": {"name": "山田", "kind": "a"}})
        draft = created.json()["id"]
        half = post("/drafts", {"procedure": ref, "data": {"note": "x"}}).json()["id"]
        other = c.post(
            "/api/v1/drafts",
            json.dumps({"procedure": ref, "data": {"name": "他"}}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {other_token}",
        ).json()["id"]
        key = uuid.uuid4().hex
        return [
            created,
            post("/drafts", {"procedure": ref, "data": {"nope": 1, "name": "x" * 60}}),  # 422 per field
            post("/drafts", {"procedure": ref, "data": "text"}),  # 422 (schema)
            post("/drafts", {"procedure": "no/such", "data": {}}),  # 422 procedure
            post("/drafts", "{not json"),  # 400
            post("/drafts", {"procedure": ref, "data": {"note": "x" * 3000}}),  # 413
            c.post("/api/v1/drafts", "a=b", content_type="text/plain", **auth),  # 415
            c.put("/api/v1/drafts", "{}", content_type="application/json", **auth),  # 405
            post(f"/drafts/{draft}/submit", {}),  # 400: no Idempotency-Key
            post(f"/drafts/{half}/submit", {}, HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex),  # 422 per field
            post(f"/drafts/{other}/submit", {}, HTTP_IDEMPOTENCY_KEY=key),  # 404: another's
            post(f"/drafts/{draft}/submit", {}, HTTP_IDEMPOTENCY_KEY=key),  # 201
            post(f"/drafts/{draft}/submit", {}, HTTP_IDEMPOTENCY_KEY=key),  # 200: the replay
            c.get(f"/api/v1/drafts/{draft}", **auth),
            c.get("/api/v1/procedures", **auth),
            c.get("/api/v1/no-such-thing", **auth),
            c.get("/api/v1/drafts", **{**auth, "HTTP_AUTHORIZATION": "Bearer mdg_not-a-token"}),  # 401
            c.get("/api/v1/drafts", **{**auth, "HTTP_AUTHORIZATION": f"bEaReR {token}"}),
        ]

    return scenario


@pytest.mark.parametrize("language", ["ja", "en", "en-US,en;q=0.8", "fr"])
def test_a_complete_submission_and_its_errors_answer_as_through_the_whole_stack(language):
    answers = _both(_submission_scenario(language), **SIZE_LIMIT)
    statuses = " ".join(str(status) for status, *_rest in answers)
    assert statuses == "201 422 422 422 400 413 415 405 400 422 404 201 200 200 200 404 401 200"
    for status, headers, cookies, _body in answers:
        names = dict(headers)
        assert cookies == [], status  # no session, no CSRF cookie
        assert names["Cache-Control"] == "private, no-store", status
        assert names["X-Content-Type-Options"] == "nosniff" and names["Referrer-Policy"] == "same-origin"
        assert names["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
        if status in (413, 415, 405):  # answered by the size limit, before the language and frame options
            continue
        assert names["X-Frame-Options"] == "DENY" and "Accept-Language" in names["Vary"]
        assert names["Content-Language"] == ("en" if language.startswith("en") else "ja")
    fields = answers[1][3]["error"]["fields"]
    assert fields["nope"][0].isascii() == language.startswith("en")
    assert "kind" in answers[9][3]["error"]["fields"]  # the submit's per-field errors


def test_over_https_with_hsts_and_with_a_redirect_to_https():
    _user, token = make_api_token()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def secure():
        return [_client().get("/api/v1/drafts", secure=True, **auth)]

    hsts = {"SECURE_HSTS_SECONDS": 3600, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True}
    [(status, headers, _c, _b)] = _both(secure, **hsts)
    assert status == 200 and ("Strict-Transport-Security", "max-age=3600; includeSubDomains") in headers

    def plain():
        return [
            _client().get("/api/v1/drafts?page=2", **auth),
            _client().get("/api/v1/drafts", secure=True, **auth),
        ]

    [(moved, headers, _c, _b), (fine, *_rest)] = _both(plain, SECURE_SSL_REDIRECT=True)
    assert (moved, fine) == (301, 200)
    assert ("Location", "https://testserver/api/v1/drafts?page=2") in headers


def test_a_host_not_allowed_and_a_server_failure_answer_as_through_the_whole_stack(monkeypatch):
    from madoguchi.applications import api

    _user, token = make_api_token()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def failing(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.services, "application_submit_own_draft", failing)

    def scenario():
        c = _client()
        return [
            c.get("/api/v1/drafts", HTTP_HOST="evil.example", **auth),
            c.post(f"/api/v1/drafts/{uuid.uuid4()}/submit", HTTP_IDEMPOTENCY_KEY="k", **auth),
        ]

    assert [a[0] for a in _both(scenario)] == [400, 500]


def test_every_middleware_after_the_lane_is_taken_or_skipped_on_purpose():
    assert settings.MIDDLEWARE[0] == token_lane.THIS
    assert settings.MIDDLEWARE[1:] == list(token_lane.AFTER_THE_LANE)
    handler = BaseHandler()
    handler.load_middleware()
    lane = handler._middleware_chain.__wrapped__
    assert isinstance(lane, token_lane.TokenApiLaneMiddleware) and lane.enabled
    assert lane.view.__wrapped__ == handler._get_response


@pytest.mark.parametrize(
    "changed",
    [
        {"MIDDLEWARE": [*settings.MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]},
        {"MIDDLEWARE": [m for m in settings.MIDDLEWARE if "Message" not in m]},
        {"PREPEND_WWW": True},
        {"STATIC_URL": "/api/v1/static/"},
        {"WHITENOISE_STATIC_PREFIX": "/api/v1/"},
    ],
)
def test_the_lane_stands_aside_when_the_stack_or_the_settings_are_not_the_ones_it_knows(changed):
    with override_settings(**changed):
        handler = BaseHandler()
        handler.load_middleware()
        assert handler._middleware_chain.__wrapped__.enabled is False


def _entered(monkeypatch):
    """Which middleware after the lane a request goes into."""
    return record_middleware_entries(monkeypatch, token_lane.AFTER_THE_LANE)


def test_only_a_token_api_request_takes_the_lane(monkeypatch):
    entered = _entered(monkeypatch)
    user, token = make_api_token()
    lane_parts = ["madoguchi.core.middleware.RequestSizeLimitMiddleware"]  # the lane's own instance
    response = _client().get("/api/v1/drafts", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and entered == lane_parts
    assert response.wsgi_request.session.session_key is None
    for kind, request in {
        "a session cookie as well": lambda c: c.get("/api/v1/drafts", HTTP_AUTHORIZATION=f"Bearer {token}"),
        "not the API": lambda c: c.get("/", HTTP_AUTHORIZATION=f"Bearer {token}"),
        "another scheme": lambda c: c.get("/api/v1/drafts", HTTP_AUTHORIZATION="Basic eDp5"),
        "no token": lambda c: c.get("/api/v1/procedures"),
    }.items():
        client = _client()
        if kind == "a session cookie as well":
            client.force_login(user)
        entered.clear()
        request(client)
        assert entered == list(token_lane.AFTER_THE_LANE), kind


def test_a_session_request_to_the_api_is_still_refused_without_the_csrf_token():
    user, token = make_api_token()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    procedure = make_procedure()
    body = json.dumps({"procedure": f"{procedure.organization.slug}/{procedure.slug}", "data": {}})
    refused = client.post("/api/v1/drafts", body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    # with a bearer header as well it goes the long way (the API's authentication then uses the token)
    both = client.post(
        "/api/v1/drafts", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert both.wsgi_request._madoguchi_token_api is False
