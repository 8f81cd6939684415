import io
import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory, override_settings

from madoguchi.core.testing import ApiClient, make_api_token, make_procedure

pytestmark = pytest.mark.django_db

LIMIT = 4096


class EndlessBody:
    """A request body that never ends; counts how much the server read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return b"x" * size

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def call_wsgi(method: str, path: str, body, **extra) -> tuple[str, bytes]:
    """Run a request through the full WSGI handler with a hand-made environ (no Content-Length)."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD=method, **extra)
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = body
    status_holder = {}

    def start_response(status, headers, exc_info=None):
        status_holder["status"] = status

    request_started.disconnect(close_old_connections)  # as django.test.Client does
    try:
        chunks = WSGIHandler()(environ, start_response)
        content = b"".join(chunks)
    finally:
        request_started.connect(close_old_connections)
    return status_holder["status"], content


@override_settings(MAX_JSON_BYTES=LIMIT)
def test_json_body_over_the_limit_answers_413_in_the_error_shape():
    _user, token = make_api_token()
    response = ApiClient(token).raw("POST", "/drafts", b"{" + b" " * LIMIT + b"}", "application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@override_settings(MAX_JSON_BYTES=LIMIT)
def test_chunked_body_over_the_limit_is_refused_without_reading_it_all():
    body = EndlessBody()
    status, content = call_wsgi(
        "POST",
        "/api/v1/drafts",
        body,
        CONTENT_TYPE="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert status.startswith("413")
    assert json.loads(content)["error"]["code"] == "too_large"
    assert body.read_bytes <= LIMIT + 1


def test_chunked_body_within_the_limit_is_read_like_any_other():
    _user, token = make_api_token()
    procedure = make_procedure()
    payload = json.dumps({"procedure": f"{procedure.organization.slug}/{procedure.slug}"}).encode()
    status, content = call_wsgi(
        "POST",
        "/api/v1/drafts",
        io.BytesIO(payload),
        CONTENT_TYPE="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert status.startswith("201"), content
    assert json.loads(content)["procedure"]["slug"] == procedure.slug


def test_api_body_that_is_neither_json_nor_multipart_answers_415():
    _user, token = make_api_token()
    response = ApiClient(token).raw("POST", "/drafts", b"procedure=a/b", "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_invalid_content_length_answers_400():
    response = Client().generic(
        "POST", "/api/v1/drafts", b"{}", content_type="application/json", CONTENT_LENGTH="-5"
    )
    assert response.status_code == 400


@override_settings(MAX_JSON_BYTES=LIMIT)
def test_html_pages_answer_413_with_a_page():
    response = Client().post(
        "/accounts/login/", "email=" + "x" * LIMIT, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "大きすぎます".encode() in response.content


def test_responses_carry_a_content_security_policy():
    response = Client().get("/api/v1/procedures")
    assert "script-src 'self'" in response["Content-Security-Policy"]
