import pytest
from django.test import Client

from madoguchi.applications.constants import Channel
from madoguchi.applications.models import Application, ApplicationEvent, ReferenceSequence
from madoguchi.applications.schemas import ApplicationOut, DraftOut
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify, compute_payload_hash
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure, make_user

pytestmark = pytest.mark.django_db

COMPLETE = {"name": "山田 太郎", "kind": "a"}


@pytest.fixture
def api():
    _user, token = make_api_token()
    return ApiClient(token)


def new_draft(api, data=None, procedure=None) -> str:
    procedure = procedure or make_procedure()
    response = api.post(
        "/drafts",
        {"procedure": f"{procedure.organization.slug}/{procedure.slug}", "data": data or {}},
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def submit(api, draft_id: str, key: str | None = "key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(f"/drafts/{draft_id}/submit", **headers)


def test_submit_answers_201_with_the_new_application(api):
    procedure = make_procedure()
    draft_id = new_draft(api, COMPLETE, procedure)
    response = submit(api, draft_id)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted"
    assert body["status_label"] == "受付済み"
    assert body["reference_number"].endswith("-000001")
    assert body["reference_number"].startswith(procedure.organization.reference_prefix + "-")
    assert body["procedure"]["slug"] == procedure.slug
    assert body["version"] == 1
    assert body["channel"] == Channel.API
    assert body["submitted_at"]
    application = Application.objects.get(pk=body["id"])
    assert application.data == COMPLETE


def test_submit_twice_with_the_same_key_answers_200_with_the_same_application(api):
    draft_id = new_draft(api, COMPLETE)
    first = submit(api, draft_id, "retry-me")
    second = submit(api, draft_id, "retry-me")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Application.objects.count() == 1
    assert ApplicationEvent.objects.count() == 1
    assert ReferenceSequence.objects.get().last_value == 1


def test_the_same_key_on_another_draft_returns_the_first_application(api):
    first = submit(api, new_draft(api, COMPLETE), "shared")
    second = submit(api, new_draft(api, COMPLETE), "shared")
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Application.objects.count() == 1


def test_resubmitting_a_submitted_draft_with_a_new_key_creates_nothing(api):
    draft_id = new_draft(api, COMPLETE)
    first = submit(api, draft_id, "a")
    second = submit(api, draft_id, "b")
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]


def test_idempotency_keys_of_different_users_do_not_collide(api):
    submit(api, new_draft(api, COMPLETE), "same")
    _other, token = make_api_token()
    other = ApiClient(token)
    assert submit(other, new_draft(other, COMPLETE), "same").status_code == 201
    assert Application.objects.count() == 2


def test_submit_without_idempotency_key_answers_400(api):
    draft_id = new_draft(api, COMPLETE)
    for key in (None, ""):
        response = submit(api, draft_id, key)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "idempotency_key_required"
    assert Application.objects.count() == 0


def test_submit_with_a_too_long_or_odd_idempotency_key_answers_400(api):
    draft_id = new_draft(api, COMPLETE)
    for key in ("k" * 101, "has space", "全角キー"):
        response = submit(api, draft_id, key)
        assert response.status_code == 400, key
        assert response.json()["error"]["code"] == "idempotency_key_invalid"
    assert submit(api, draft_id, "k" * 100).status_code == 201


def test_incomplete_draft_answers_422_naming_every_missing_field(api):
    draft_id = new_draft(api, {"kind": "other"})
    response = submit(api, draft_id)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "name": ["氏名を入力してください。"],
        "kind_other": ["その他の内容を入力してください。"],
    }
    assert Application.objects.count() == 0
    assert ReferenceSequence.objects.filter(last_value__gt=0).count() == 0


def test_after_fixing_the_draft_the_same_key_submits(api):
    draft_id = new_draft(api, {"kind": "a"})
    assert submit(api, draft_id, "k").status_code == 422
    api.patch(f"/drafts/{draft_id}", {"data": {"name": "山田"}})
    assert submit(api, draft_id, "k").status_code == 201


def test_submission_is_recorded_in_the_audit_log_and_the_timeline(api):
    body = submit(api, new_draft(api, COMPLETE)).json()
    entry = AuditEntry.objects.get(action="application.submitted")
    assert entry.target_id == body["id"]
    assert entry.after == {
        "reference_number": body["reference_number"],
        "status": "submitted",
        "channel": "api",
    }
    assert entry.payload_hash == compute_payload_hash(entry) and audit_verify()[0]
    timeline = api.get(f"/applications/{body['id']}").json()["timeline"]
    assert [event["kind"] for event in timeline] == ["submitted"]


def test_submission_through_the_browser_session_is_recorded_as_online():
    client = Client()
    client.force_login(make_user())
    api = ApiClient(client=client)
    body = submit(api, new_draft(api, COMPLETE)).json()
    assert body["channel"] == Channel.ONLINE


def test_reference_numbers_count_up_per_organization(api):
    procedure = make_procedure()
    numbers = [
        submit(api, new_draft(api, COMPLETE, procedure), f"k{n}").json()["reference_number"] for n in range(3)
    ]
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000003"]


def test_a_complete_submission_stays_a_handful_of_statements(api):
    """Regression guard for the hot path (docs/performance.md, "Submissions"): a mobile app's
    complete submission — create the draft with its values, submit it — was 44–54 statements
    before the follow-up left the submitting transaction, 14 until the draft and the procedure
    were each read once (issue 19); then 12; now: token, procedure (with its organization and
    current version) and INSERT for the draft; token, the draft read and locked with its
    version, procedure and organization, draft link, timeline event, 受付番号 and application
    and audit entry (head, insert, head) for the submission — on PostgreSQL the last seven are one
    statement (``core.insert_from`` with ``audit.statement``'s entry): 3 + 3 on PostgreSQL,
    3 + 9 on SQLite."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from madoguchi.audit.services import chain_statements

    procedure = make_procedure()
    new_draft(api, COMPLETE, procedure=procedure)  # warm up: the year's 受付番号 counter row
    submit(api, new_draft(api, COMPLETE, procedure=procedure), key="warm")
    with CaptureQueriesContext(connection) as created:
        draft_id = new_draft(api, COMPLETE, procedure=procedure)
    with CaptureQueriesContext(connection) as submitted:
        assert submit(api, draft_id, key="counted").status_code == 201
    create = [q["sql"] for q in created.captured_queries if "SAVEPOINT" not in q["sql"]]
    send = [q["sql"] for q in submitted.captured_queries if "SAVEPOINT" not in q["sql"]]
    everything = "\n".join(create + ["--- submit"] + send)
    # draft link, timeline event, 受付番号, application INSERT, audit entry
    numbered = 1 if connection.vendor == "postgresql" else 4 + chain_statements()
    assert (len(create), len(send)) == (3, 2 + numbered), everything
    if connection.vendor == "postgresql":
        assert "audit_entry AS (INSERT INTO" in send[-1], everything
    assert sum('FROM "procedures_procedure"' in s for s in create + send) == 1, everything
    assert sum(s.startswith("SELECT") and 'FROM "applications_draft"' in s for s in send) == 1, everything


def test_the_hot_answers_are_what_the_validated_schemas_give(api):
    """draft create and submit write their answers themselves (core.json_answer), without
    ninja's validation and dump; the detail endpoints go through ninja: the same JSON in the
    schema's field order with the same headers (not byte for byte: PostgreSQL gives a draft's
    values back in its own key order; core/tests/test_json_answer.py compares bytes)."""
    procedure = make_procedure()
    created = api.post(
        "/drafts", {"procedure": f"{procedure.organization.slug}/{procedure.slug}", "data": COMPLETE}
    )
    assert created.status_code == 201
    detail = api.get(f"/drafts/{created.json()['id']}")
    assert created.json() == detail.json()
    assert created["Content-Type"] == detail["Content-Type"] == "application/json; charset=utf-8"
    assert list(created.json()) == list(DraftOut.model_fields)
    submitted = submit(api, created.json()["id"])
    assert submitted.status_code == 201
    assert submitted["Content-Type"] == detail["Content-Type"]
    assert list(submitted.json()) == list(ApplicationOut.model_fields)
    detail = api.get(f"/applications/{submitted.json()['id']}").json()
    assert {key: detail[key] for key in submitted.json()} == submitted.json()
    again = submit(api, created.json()["id"])
    assert again.status_code == 200
    assert again.content == submitted.content
