"""Contract: the published OpenAPI description lists every endpoint of API v1."""

import pytest
from django.test import Client

EXPECTED = {
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
    ("get", "/api/v1/applications/{application_id}"),
    ("post", "/api/v1/applications/{application_id}/withdraw"),
}


@pytest.fixture(scope="module")
def schema():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_lists_every_endpoint(schema):
    listed = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert EXPECTED <= listed


def test_submit_documents_the_idempotency_key_header_and_both_success_codes(schema):
    operation = schema["paths"]["/api/v1/drafts/{draft_id}/submit"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers
    assert {"200", "201"} <= set(operation["responses"])


def test_upload_is_documented_as_multipart(schema):
    operation = schema["paths"]["/api/v1/drafts/{draft_id}/attachments/{field_key}"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_catalog_is_public_and_personal_endpoints_are_not(schema):
    assert not schema["paths"]["/api/v1/procedures"]["get"].get("security")
    assert schema["paths"]["/api/v1/drafts"]["post"].get("security")
