"""``POST /api/v1/applications``: a complete application in one request (procedure and every
value, with an ``Idempotency-Key``) — what ``POST /drafts`` then ``POST /drafts/{id}/submit``
do, with the same answers, in one transaction."""

from __future__ import annotations

import pytest
from django.test import Client

from madoguchi.applications.constants import HOLD_PAYMENT, ApplicationStatus, Channel
from madoguchi.applications.models import Application, ApplicationEvent, Draft, ReferenceSequence
from madoguchi.applications.verified import VERIFIED_KEY
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify, compute_payload_hash
from madoguchi.core import events
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure, make_user

pytestmark = pytest.mark.django_db

COMPLETE = {"name": "山田 太郎", "kind": "a"}
FILES_MESSAGE = (
    "ファイルの添付が必要な手続は、1回の送信では申請できません。"
    "下書き（POST /api/v1/drafts）を作り、ファイルを添付してから申請してください。"
)


def file_definition(*, required: bool = False, required_if: dict | None = None) -> dict:
    receipt = {"key": "receipt", "type": "file", "label": "領収書", "accept": ["image/png"]}
    if required:
        receipt["required"] = True
    if required_if:
        receipt["required_if"] = required_if
    return {
        "steps": [
            {
                "key": "main",
                "title": "申請内容",
                "fields": [
                    {"key": "name", "type": "text", "label": "氏名", "required": True},
                    {
                        "key": "care",
                        "type": "radio",
                        "label": "受診",
                        "options": [{"value": "in", "label": "入院"}, {"value": "out", "label": "外来"}],
                    },
                    receipt,
                ],
            }
        ]
    }


@pytest.fixture
def api():
    _user, token = make_api_token()
    return ApiClient(token)


def ref(procedure) -> str:
    return f"{procedure.organization.slug}/{procedure.slug}"


def apply(api, procedure, data=None, key: str | None = "key-1", **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post("/applications", {"procedure": ref(procedure), "data": data or {}, **body}, **headers)


def nothing_was_created() -> bool:
    return (
        not Draft.objects.exists()
        and not Application.objects.exists()
        and not ApplicationEvent.objects.exists()
        and not ReferenceSequence.objects.filter(last_value__gt=0).exists()
        and not AuditEntry.objects.filter(action="application.submitted").exists()
    )


def test_one_request_answers_201_with_the_numbered_application(api, django_capture_on_commit_callbacks):
    procedure = make_procedure()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = apply(api, procedure, {"name": "  山田 太郎 ", "kind": "a"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["status_label"] == "受付済み"
    assert (
        body["reference_number"]
        == f"{procedure.organization.reference_prefix}-{body['reference_number'][-11:]}"
    )
    assert body["reference_number"].endswith("-000001")
    assert body["procedure"] == {
        "organization": procedure.organization.slug,
        "slug": procedure.slug,
        "title": procedure.title,
    }
    assert (body["version"], body["channel"]) == (1, Channel.API)
    application = Application.objects.get(pk=body["id"])
    assert application.data == COMPLETE  # cleaned by the field types
    assert application.idempotency_key == "key-1"
    # the draft is kept, linked, as after the two requests
    draft = Draft.objects.get()
    assert draft.application_id == application.pk and draft.data == COMPLETE
    assert [e.kind for e in ApplicationEvent.objects.filter(application=application)] == ["submitted"]
    entry = AuditEntry.objects.get(action="application.submitted")
    assert entry.target_id == body["id"]
    assert entry.after == {
        "reference_number": body["reference_number"],
        "status": "submitted",
        "channel": "api",
    }
    assert entry.payload_hash == compute_payload_hash(entry) and audit_verify()[0]
    # the follow-up waited for the commit, then opened the case
    assert callbacks
    application.refresh_from_db()
    assert application.followed_up_at is not None


def test_the_answer_is_the_one_of_the_two_request_path(api):
    procedure = make_procedure()
    one = apply(api, procedure, COMPLETE, key="one").json()
    draft_id = api.post("/drafts", {"procedure": ref(procedure), "data": COMPLETE}).json()["id"]
    two = api.post(f"/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY="two").json()
    assert one.keys() == two.keys()
    same = ("status", "status_label", "procedure", "version", "channel")
    assert {k: one[k] for k in same} == {k: two[k] for k in same}
    assert [one["reference_number"][-6:], two["reference_number"][-6:]] == ["000001", "000002"]
    assert Application.objects.get(pk=one["id"]).data == Application.objects.get(pk=two["id"]).data


def test_a_retry_with_the_same_key_answers_200_with_the_same_application_and_creates_nothing(api):
    procedure = make_procedure()
    first = apply(api, procedure, COMPLETE, key="retry-me")
    second = apply(api, procedure, COMPLETE, key="retry-me")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert (Application.objects.count(), Draft.objects.count(), ApplicationEvent.objects.count()) == (1, 1, 1)
    assert ReferenceSequence.objects.get().last_value == 1
    assert AuditEntry.objects.filter(action="application.submitted").count() == 1


def test_a_retry_answers_the_application_even_when_the_procedure_closed_since(api):
    procedure = make_procedure()
    first = apply(api, procedure, COMPLETE, key="late")
    procedure.current_version = None
    procedure.save(update_fields=["current_version"])
    again = apply(api, procedure, COMPLETE, key="late")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert apply(api, procedure, COMPLETE, key="new").status_code == 422


def test_the_key_of_a_two_request_submission_answers_its_application(api):
    procedure = make_procedure()
    draft_id = api.post("/drafts", {"procedure": ref(procedure), "data": COMPLETE}).json()["id"]
    first = api.post(f"/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY="shared").json()
    again = apply(api, procedure, COMPLETE, key="shared")
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert Application.objects.count() == 1


def test_the_same_key_of_another_applicant_is_another_application(api):
    procedure = make_procedure()
    mine = apply(api, procedure, COMPLETE, key="same")
    _other, token = make_api_token()
    theirs = apply(ApiClient(token), procedure, COMPLETE, key="same")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert [n["reference_number"][-6:] for n in (mine.json(), theirs.json())] == ["000001", "000002"]


def test_without_a_usable_idempotency_key_answers_400_and_creates_nothing(api):
    procedure = make_procedure()
    for key, code in (
        (None, "idempotency_key_required"),
        ("", "idempotency_key_required"),
        ("k" * 101, "idempotency_key_invalid"),
        ("has space", "idempotency_key_invalid"),
        ("全角キー", "idempotency_key_invalid"),
    ):
        response = apply(api, procedure, COMPLETE, key=key)
        assert response.status_code == 400, key
        assert response.json()["error"]["code"] == code
    assert nothing_was_created()
    assert apply(api, procedure, COMPLETE, key="k" * 100).status_code == 201


def test_invalid_values_answer_422_per_field_as_draft_create_does_and_create_nothing(api):
    procedure = make_procedure()
    data = {"name": "x" * 51, "kind": "zzz", "favourite_colour": "blue"}
    response = apply(api, procedure, data)
    assert response.status_code == 422
    as_draft = api.post("/drafts", {"procedure": ref(procedure), "data": data})
    assert response.json() == as_draft.json()
    assert response.json()["error"]["fields"]["favourite_colour"] == ["この項目はこの手続にありません。"]
    assert nothing_was_created()


def test_missing_values_answer_422_naming_every_one_as_submit_does_and_create_nothing(api):
    procedure = make_procedure()
    response = apply(api, procedure, {"kind": "other"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "name": ["氏名を入力してください。"],
        "kind_other": ["その他の内容を入力してください。"],
    }
    assert nothing_was_created()
    assert apply(api, procedure, {"kind": "other", "kind_other": "x", "name": "山田"}).status_code == 201


def test_unknown_keys_of_the_body_and_nul_characters_answer_422(api):
    procedure = make_procedure()
    extra = apply(api, procedure, COMPLETE, colour="blue")
    assert extra.status_code == 422
    assert extra.json()["error"]["fields"]["colour"] == ["この項目は指定できません。"]
    nul = apply(api, procedure, {**COMPLETE, "name": "山田\x00"})
    assert nul.status_code == 422 and "name" in nul.json()["error"]["fields"]
    assert nothing_was_created()


def test_an_unknown_or_unpublished_procedure_answers_422_on_procedure(api):
    unpublished = make_procedure(published=False)
    for reference in ("nowhere/nothing", ref(unpublished)):
        response = api.post(
            "/applications", {"procedure": reference, "data": COMPLETE}, HTTP_IDEMPOTENCY_KEY="k"
        )
        assert response.status_code == 422
        assert response.json()["error"]["fields"] == {
            "procedure": ["この手続は見つからないか、現在受け付けていません。"]
        }
    assert nothing_was_created()


def test_a_procedure_above_the_tokens_identity_level_is_refused_as_draft_create_does(api):
    procedure = make_procedure(identity_level="mynumber_card")
    response = apply(api, procedure, COMPLETE)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "identity_level_required"
    assert response.json() == api.post("/drafts", {"procedure": ref(procedure), "data": COMPLETE}).json()
    assert nothing_was_created()


@pytest.mark.parametrize(
    "definition",
    [file_definition(required=True), file_definition(required_if={"field": "care", "equals": "in"})],
    ids=["required", "required-by-an-answer"],
)
def test_a_procedure_that_needs_a_file_answers_422_pointing_to_drafts(api, definition):
    procedure = make_procedure(definition=definition)
    response = apply(api, procedure, {"name": "山田", "care": "in"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"receipt": [FILES_MESSAGE]}
    assert nothing_was_created()


def test_a_file_value_answers_422_pointing_to_drafts_and_an_optional_file_may_be_left_out(api):
    procedure = make_procedure(definition=file_definition())
    given = apply(api, procedure, {"name": "山田", "receipt": {"attachment_id": "9b1e"}})
    assert given.status_code == 422
    assert given.json()["error"]["fields"] == {"receipt": [FILES_MESSAGE]}
    assert nothing_was_created()
    assert apply(api, procedure, {"name": "山田", "care": "out"}).status_code == 201


def test_the_file_message_is_translated():
    from django.utils import translation

    from madoguchi.applications.services import files_through_drafts_message

    with translation.override("en"):
        english = files_through_drafts_message()
    assert english != FILES_MESSAGE and "POST /api/v1/drafts" in english


def test_anonymous_answers_401(client):
    procedure = make_procedure()
    response = client.post(
        "/api/v1/applications",
        {"procedure": ref(procedure), "data": COMPLETE},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert nothing_was_created()


def test_through_the_browser_session_the_channel_is_online():
    client = Client(enforce_csrf_checks=False)
    user = make_user()
    client.force_login(user)
    body = apply(ApiClient(client=client), make_procedure(), COMPLETE).json()
    assert body["channel"] == Channel.ONLINE
    assert Application.objects.get(pk=body["id"]).applicant == user


def test_the_submitted_hook_runs_and_a_hold_waits_for_the_payment(api, django_capture_on_commit_callbacks):
    seen = []

    def hold(*, application, actor, holds, **_kwargs):
        seen.append((application.reference_number, actor))
        holds.append(HOLD_PAYMENT)

    events.subscribe("application.submitted", hold)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = apply(api, make_procedure(), COMPLETE)
    finally:
        events.unsubscribe("application.submitted", hold)
    assert response.status_code == 201
    application = Application.objects.get(pk=response.json()["id"])
    assert application.status == ApplicationStatus.AWAITING_PAYMENT
    assert application.followed_up_at is None  # no case, no receipt before the payment
    assert seen and seen[0][1] == application.applicant


def test_a_failure_after_the_hook_leaves_nothing_behind(api):
    procedure = make_procedure()

    def fail(**_kwargs):
        raise RuntimeError("the hook's fault")

    events.subscribe("application.submitted", fail)
    try:
        with pytest.raises(RuntimeError):
            apply(api, procedure, COMPLETE)
    finally:
        events.unsubscribe("application.submitted", fail)
    assert nothing_was_created()


def test_a_complete_submission_in_one_request_is_a_handful_of_statements(api):
    """Token, procedure, then the numbered statement (draft, timeline event, 受付番号 and
    application, audit entry) — on PostgreSQL 3 in all, against 3 + 3 for the two requests."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from madoguchi.audit.services import chain_statements

    procedure = make_procedure()
    assert apply(api, procedure, COMPLETE, key="warm").status_code == 201  # the year's counter row
    with CaptureQueriesContext(connection) as captured:
        assert apply(api, procedure, COMPLETE, key="counted").status_code == 201
    sent = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    numbered = 1 if connection.vendor == "postgresql" else 4 + chain_statements()
    assert len(sent) == 2 + numbered, "\n".join(sent)
    if connection.vendor == "postgresql":
        assert "audit_entry AS (INSERT INTO" in sent[-1] and '"applications_draft"' in sent[-1]


def test_a_verified_session_fills_and_locks_the_verified_values_as_draft_create_does(client, settings):
    from madoguchi.accounts.oidc.constants import Assurance
    from madoguchi.applications.tests.test_identity_level import (
        PREFILL_DEFINITION,
        PROVIDERS,
        signed_in,
        verified_identity,
    )

    settings.OIDC_PROVIDERS = PROVIDERS
    procedure = make_procedure(identity_level="mynumber_card", definition=PREFILL_DEFINITION)
    user = make_user()
    signed_in(client, user, Assurance.VERIFIED, verified_identity(user))
    response = client.post(
        "/api/v1/applications",
        {"procedure": ref(procedure), "data": {"birth_date": "1990-01-01", "note": "よろしく"}},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="verified",
    )
    assert response.status_code == 201, response.content
    application = Application.objects.get(pk=response.json()["id"])
    assert application.data["birth_date"] == "1985-04-01"  # the verified value, as draft create sets it
    assert application.data["name"]["family"] == "佐藤" and application.data["note"] == "よろしく"
    assert set(Draft.objects.get().data[VERIFIED_KEY]) == {"name", "birth_date", "address"}
