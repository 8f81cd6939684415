"""Client mistakes answer 4xx in the one error shape, never 500 (a little fuzzing included)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.core.testing import ApiClient, make_api_token, make_procedure
from madoguchi.procedures.constants import Category

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int | None = None) -> dict:
    if status is not None:
        assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str)
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    for key, messages in body["error"].get("fields", {}).items():
        assert isinstance(key, str)
        assert messages and all(isinstance(m, str) and m for m in messages)
    return body["error"]


def assert_success_or_client_error(response, success: int) -> None:
    """Random input has no one right answer: the operation's own success status, or a client
    mistake answered 4xx in the one error shape — never a 5xx, never another success."""
    if response.status_code == success:
        return
    assert 400 <= response.status_code < 500, response.content
    assert_error_shape(response)


@pytest.fixture
def api():
    _user, token = make_api_token()
    return ApiClient(token)


@pytest.fixture
def draft_id(api):
    procedure = make_procedure()
    return api.post("/drafts", {"procedure": f"{procedure.organization.slug}/{procedure.slug}"}).json()["id"]


def test_malformed_json_answers_400(api):
    for body in (b"{", b"{'procedure': 1}", b"\xff\xfe", b'{"procedure": "a/b",}'):
        error = assert_error_shape(api.raw("POST", "/drafts", body, "application/json"), 400)
        assert error["code"] == "malformed"


def test_a_json_value_that_is_not_an_object_answers_422(api):
    for body in (b"[]", b'"x"', b"1", b"null"):
        response = api.raw("POST", "/drafts", body, "application/json")
        assert_error_shape(response, 422)


def test_empty_body_or_a_missing_field_answers_422_saying_what_is_missing(api):
    error = assert_error_shape(api.raw("POST", "/drafts", b"", "application/json"), 422)
    assert error["fields"] == {"__all__": ["リクエストの本文（JSON のオブジェクト）を送ってください。"]}
    error = assert_error_shape(api.post("/drafts", {"data": {}}), 422)
    assert error["fields"] == {"procedure": ["この項目は必須です。"]}


def test_wrong_content_type_answers_415(api):
    response = api.raw("POST", "/drafts", b'{"procedure": "a/b"}', "text/plain")
    assert assert_error_shape(response, 415)["code"] == "unsupported_media_type"


def test_wrongly_typed_values_answer_422_per_field(api):
    error = assert_error_shape(api.post("/drafts", {"procedure": 42, "data": "x"}), 422)
    assert error["fields"] == {
        "procedure": ["文字列で指定してください。"],
        "data": ["オブジェクト（{...}）で指定してください。"],
    }


def test_unknown_api_paths_answer_404_in_the_error_shape(api):
    for path in ("/api/v1/nothing-here", "/api/v1/drafts/x/y/z", "/api/v1/applications/1/2/3"):
        assert assert_error_shape(api.client.get(path), 404)["code"] == "not_found"


def test_an_unsupported_method_answers_405_in_the_error_shape(api, draft_id):
    response = api.client.put(
        f"/api/v1/drafts/{draft_id}/submit", b"{}", content_type="application/json", **api.auth
    )
    error = assert_error_shape(response, 405)
    assert error["code"] == "method_not_allowed" and "POST" in error["message"]
    assert "POST" in response["Allow"]


def test_deeply_nested_json_answers_400(api, draft_id):
    body = ('{"data": {"name": ' + "[" * 100_000 + "]" * 100_000 + "}}").encode()
    response = api.raw("PATCH", f"/drafts/{draft_id}", body, "application/json")
    assert assert_error_shape(response, 400)["code"] == "malformed"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
field_keys = st.sampled_from(
    ["name", "note", "kind", "kind_other", "__proxy_requested", "", "名前", "x" * 200]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(field_keys, json_values, max_size=5))
def test_odd_draft_values_never_answer_500(api, draft_id, data):
    response = api.patch(f"/drafts/{draft_id}", {"data": data})
    assert_success_or_client_error(response, 200)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=json_values)
def test_odd_payloads_never_answer_500(api, draft_id, payload):
    body = json.dumps(payload).encode()
    for method, path, success in (
        ("POST", "/drafts", 201),
        ("PATCH", f"/drafts/{draft_id}", 200),
        ("POST", f"/applications/{draft_id}/withdraw", 200),
    ):
        response = api.raw(method, path, body, "application/json")
        assert_success_or_client_error(response, success)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(max_size=40),
    category=st.text(max_size=12),
    page=st.text(max_size=6),
    key=st.text(alphabet=st.characters(codec="latin-1"), max_size=120),
)
def test_odd_query_parameters_and_headers_never_answer_500(api, draft_id, q, category, page, key):
    response = api.get("/procedures", {"q": q, "category": category, "page": page})
    plainly_valid = (
        category in ("", *Category.values)
        and "\x00" not in q
        and page.isascii()
        and page.isdigit()
        and 1 <= int(page) <= 100_000
    )
    if plainly_valid:
        assert response.status_code == 200, response.content
    if response.status_code == 200:
        assert {"count", "page", "items"} <= set(response.json())
    else:
        error = assert_error_shape(response, 422)  # and nothing else: never a 500
        assert set(error["fields"]) <= {"q", "category", "page"}, error
        if "category" in error["fields"]:
            assert category not in Category.values
    response = api.post(f"/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY=key)
    assert_success_or_client_error(response, 201)
