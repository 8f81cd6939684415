"""Every answer of the API, failures included, is JSON in the one error shape (docs/api.md)."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from madoguchi.config.api import api
from madoguchi.core import views as core_views
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str)
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.fixture
def api_client():
    _user, token = make_api_token()
    client = ApiClient(token)
    client.client.raise_request_exception = False
    return client


@pytest.fixture
def draft_id(api_client):
    procedure = make_procedure()
    response = api_client.post("/drafts", {"procedure": f"{procedure.organization.slug}/{procedure.slug}"})
    return response.json()["id"]


MALFORMED_MULTIPART = [
    ("multipart/form-data", b"--x\r\n"),  # no boundary at all
    ("multipart/form-data; boundary=", b"abc"),  # an empty boundary
]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("content_type", "body"), MALFORMED_MULTIPART)
def test_a_malformed_multipart_body_answers_400_in_the_error_shape(
    api_client, draft_id, settings, debug, content_type, body
):
    settings.DEBUG = debug
    response = api_client.raw("POST", f"/drafts/{draft_id}/attachments/receipt", body, content_type)
    assert assert_error_shape(response, 400)["code"] == "malformed"


def test_a_malformed_multipart_body_on_a_json_endpoint_answers_400_too(api_client):
    response = api_client.raw("POST", "/drafts", b"--x\r\n", "multipart/form-data")
    assert assert_error_shape(response, 400)["code"] == "malformed"


def _break_the_catalog(monkeypatch, exc: Exception) -> None:
    def fail(**kwargs):
        raise exc

    monkeypatch.setattr("madoguchi.procedures.selectors.procedure_catalog", fail)


@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_answers_500_in_the_error_shape_saying_not_to_retry(api_client, monkeypatch, settings, debug):
    settings.DEBUG = debug
    _break_the_catalog(monkeypatch, RuntimeError("a bug"))

    error = assert_error_shape(api_client.get("/procedures"), 500)

    assert error["code"] == "server_error"
    assert error["retryable"] is False
    assert "a bug" not in error["message"]  # nothing internal leaks


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("server closed the connection unexpectedly"),
        __import__("redis").exceptions.ConnectionError("Connection refused"),
    ],
    ids=["database", "redis"],
)
def test_a_transient_failure_answers_503_with_a_retry_hint(api_client, monkeypatch, exc):
    _break_the_catalog(monkeypatch, exc)

    response = api_client.get("/procedures")

    error = assert_error_shape(response, 503)
    assert error["code"] == "unavailable"
    assert error["retryable"] is True
    assert int(response["Retry-After"]) == error["retry_after"] > 0


def test_the_exception_still_reaches_djangos_error_reporting(monkeypatch):
    """got_request_exception is sent (Django's test client re-raises what it receives)."""
    _break_the_catalog(monkeypatch, RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        Client().get("/api/v1/procedures")


def test_djangos_last_resort_answers_json_under_the_api_and_html_elsewhere(rf: RequestFactory):
    error = assert_error_shape(core_views.server_error(rf.get("/api/v1/procedures")), 500)
    assert error["retryable"] is False

    page = core_views.server_error(rf.get("/applications/"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


# --- the OpenAPI document declares all of it ------------------------------------------------


def _operations():
    schema = api.get_openapi_schema()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield schema, path, method, operation


def test_the_openapi_document_declares_the_bearer_scheme_and_the_session_cookie():
    schema = api.get_openapi_schema()
    schemes = schema["components"]["securitySchemes"]
    assert (schemes["bearerAuth"]["type"], schemes["bearerAuth"]["scheme"]) == ("http", "bearer")
    assert schemes["sessionCookie"]["in"] == "cookie"
    secured = [op for _s, _p, _m, op in _operations() if op.get("security")]
    assert secured
    for operation in secured:
        assert operation["security"] == [{"bearerAuth": []}, {"sessionCookie": []}]


def test_every_operation_declares_its_error_answers_with_the_error_schema():
    ref = {"$ref": "#/components/schemas/Error"}
    count = 0
    for _schema, path, method, operation in _operations():
        responses = operation["responses"]
        expected = {"400", "401", "500", "503"}
        if operation.get("security"):
            expected.add("403")
        if "{" in path:
            expected.add("404")
        if method in ("post", "put", "patch"):
            expected |= {"409"} | ({"413", "415", "422"} if "requestBody" in operation else set())
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, answer in responses.items():
            if status[0] in "45":
                assert answer["content"]["application/json"]["schema"] == ref, (method, path, status)
        assert "Retry-After" in responses["503"]["headers"]
        count += 1
    assert count > 40


def test_the_waiting_room_429_is_declared_in_the_error_shape():
    schema = api.get_openapi_schema()
    responses = schema["paths"]["/api/v1/reservations/bookings"]["post"]["responses"]
    assert "Retry-After" in responses["429"]["headers"]
    assert responses["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
