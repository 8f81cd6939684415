"""Contract: the OpenAPI description is exactly the API that is served, and real answers —
successes and errors — have the status codes and shapes it documents."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from werkzeug.test import Client as WsgiClient

from madoguchi.config.api import api
from madoguchi.core.testing import make_api_token, make_procedure, wsgi_in_test_transaction

# Django's WSGI handler, as config/wsgi.py builds it, without that module's start-up refusal:
# the suite runs on public test keys, which production (and so config/wsgi.py) refuses.
application = get_wsgi_application()

# The applicant's endpoints, which scripts and the mobile app rely on: they must never vanish.
APPLICANT_ENDPOINTS = {
    ("get", "/api/v1/procedures"),
    ("get", "/api/v1/procedures/{organization}/{slug}"),
    ("get", "/api/v1/drafts"),
    ("post", "/api/v1/drafts"),
    ("get", "/api/v1/drafts/{draft_id}"),
    ("patch", "/api/v1/drafts/{draft_id}"),
    ("delete", "/api/v1/drafts/{draft_id}"),
    ("post", "/api/v1/drafts/{draft_id}/attachments/{field_key}"),
    ("post", "/api/v1/drafts/{draft_id}/submit"),
    ("get", "/api/v1/applications"),
    ("post", "/api/v1/applications"),
    ("get", "/api/v1/applications/{application_id}"),
    ("post", "/api/v1/applications/{application_id}/withdraw"),
}
COMPLETE = {"name": "山田 太郎", "kind": "a"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return api.get_openapi_schema()


def _served_routes() -> set[tuple[str, str]]:
    """(method, path) of every operation django-ninja serves and documents."""
    routes = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if not operation.include_in_schema:
                    continue
                full = "/api/v1" + re.sub(r"/+", "/", f"/{prefix}/{path}").rstrip("/")
                full = re.sub(r"{(?:\w+:)?(\w+)}", r"{\1}", full)
                routes |= {(method.lower(), full) for method in operation.methods}
    return routes


def test_the_document_lists_exactly_the_operations_that_are_served(schema):
    documented = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert documented == _served_routes()
    assert APPLICANT_ENDPOINTS <= documented


def test_submit_documents_the_idempotency_key_header_and_both_success_codes(schema):
    operation = schema["paths"]["/api/v1/drafts/{draft_id}/submit"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers
    assert {"200", "201"} <= set(operation["responses"])


def test_the_one_request_submission_documents_its_key_its_success_codes_and_its_errors(schema):
    operation = schema["paths"]["/api/v1/applications"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers
    assert operation.get("security")
    assert "application/json" in operation["requestBody"]["content"]
    responses = operation["responses"]
    assert {"200", "201"} <= set(responses)
    for status in ("400", "401", "403", "409", "413", "415", "422", "500", "503"):
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    body = schema["components"]["schemas"]["ApplicationCreateIn"]
    assert body["required"] == ["procedure"] and body["additionalProperties"] is False


def test_upload_is_documented_as_multipart(schema):
    operation = schema["paths"]["/api/v1/drafts/{draft_id}/attachments/{field_key}"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_catalog_is_public_and_personal_endpoints_are_not(schema):
    assert not schema["paths"]["/api/v1/procedures"]["get"].get("security")
    assert schema["paths"]["/api/v1/drafts"]["post"].get("security")


class Recorder:
    """Sends requests through the WSGI application and checks every answer against the document."""

    def __init__(self, schema: dict, token: str) -> None:
        self.checked = schemathesis.openapi.from_dict(schema)
        self.schema = schema
        self.client = WsgiClient(application)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.seen: list[tuple[str, str, int]] = []

    def call(self, method: str, template: str, path: str, body=None, expect: int = 200, **headers):
        kwargs = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        response = self.client.open("/api/v1" + path, method=method.upper(), **kwargs)
        assert response.status_code == expect, response.get_data(as_text=True)
        documented = self.schema["paths"]["/api/v1" + template][method]["responses"]
        assert str(response.status_code) in documented, (method, template, response.status_code)
        self.checked["/api/v1" + template][method.upper()].validate_response(response)
        self.seen.append((method, template, response.status_code))
        return json.loads(response.get_data()) if response.get_data() else None


@pytest.mark.django_db
def test_real_answers_have_the_documented_status_and_shape(schema):
    with wsgi_in_test_transaction():
        _walk_the_applicant_api(schema)


def _walk_the_applicant_api(schema):
    procedure = make_procedure()
    _user, token = make_api_token()
    r = Recorder(schema, token)
    org, slug = procedure.organization.slug, procedure.slug

    r.call("get", "/procedures", "/procedures")
    r.call("get", "/procedures/{organization}/{slug}", f"/procedures/{org}/{slug}")
    r.call("get", "/procedures/{organization}/{slug}", f"/procedures/{org}/nothing", expect=404)
    draft = r.call("post", "/drafts", "/drafts", {"procedure": f"{org}/{slug}"}, expect=201)
    r.call("post", "/drafts", "/drafts", {"procedure": 1}, expect=422)
    r.call("get", "/drafts", "/drafts")
    r.call("get", "/drafts/{draft_id}", f"/drafts/{draft['id']}")
    r.call("patch", "/drafts/{draft_id}", f"/drafts/{draft['id']}", {"data": {"name": "山田 太郎"}})
    submit = "/drafts/{draft_id}/submit"
    r.call("post", submit, f"/drafts/{draft['id']}/submit", expect=422, **{"Idempotency-Key": "k1"})
    r.call("patch", "/drafts/{draft_id}", f"/drafts/{draft['id']}", {"data": COMPLETE})
    r.call("post", submit, f"/drafts/{draft['id']}/submit", expect=400)  # no Idempotency-Key
    created = r.call("post", submit, f"/drafts/{draft['id']}/submit", expect=201, **{"Idempotency-Key": "k1"})
    r.call("post", submit, f"/drafts/{draft['id']}/submit", expect=200, **{"Idempotency-Key": "k1"})
    r.call("delete", "/drafts/{draft_id}", f"/drafts/{draft['id']}", expect=409)
    one = {"procedure": f"{org}/{slug}", "data": COMPLETE}
    r.call("post", "/applications", "/applications", one, expect=400)  # no Idempotency-Key
    r.call(
        "post",
        "/applications",
        "/applications",
        {**one, "data": {}},
        expect=422,
        **{"Idempotency-Key": "one"},
    )
    r.call("post", "/applications", "/applications", one, expect=201, **{"Idempotency-Key": "one"})
    r.call("post", "/applications", "/applications", one, expect=200, **{"Idempotency-Key": "one"})
    r.call("get", "/applications", "/applications")
    r.call("get", "/applications/{application_id}", f"/applications/{created['id']}")
    withdraw = "/applications/{application_id}/withdraw"
    r.call("post", withdraw, f"/applications/{created['id']}/withdraw", {})
    r.call("post", withdraw, f"/applications/{created['id']}/withdraw", {})  # again: the same answer
    other = r.call("post", "/drafts", "/drafts", {"procedure": f"{org}/{slug}"}, expect=201)
    r.call("delete", "/drafts/{draft_id}", f"/drafts/{other['id']}", expect=204)
    r.headers = {"Authorization": "Bearer mdg_not-a-token"}
    r.call("get", "/drafts", "/drafts", expect=401)

    statuses = {status for _m, _t, status in r.seen}
    assert {200, 201, 204, 400, 401, 404, 409, 422} <= statuses
