import pytest

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application, ApplicationEvent
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    _user, token = make_api_token()
    return ApiClient(token)


def submitted(api, key="k") -> dict:
    procedure = make_procedure()
    draft = api.post(
        "/drafts",
        {
            "procedure": f"{procedure.organization.slug}/{procedure.slug}",
            "data": {"name": "山田", "kind": "a"},
        },
    ).json()
    response = api.post(f"/drafts/{draft['id']}/submit", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201
    return response.json()


def test_list_shows_only_my_applications_newest_first(api):
    first = submitted(api, "a")
    second = submitted(api, "b")
    _other, token = make_api_token()
    submitted(ApiClient(token))
    page = api.get("/applications").json()
    assert [item["id"] for item in page["items"]] == [second["id"], first["id"]]
    assert page["count"] == 2


def test_detail_shows_the_data_and_only_the_public_timeline(api):
    application = submitted(api)
    ApplicationEvent.objects.create(
        application_id=application["id"], kind="note", status="submitted", message="内部メモ", public=False
    )
    ApplicationEvent.objects.create(
        application_id=application["id"],
        kind="review_started",
        status="in_review",
        message="審査を始めました。",
    )
    body = api.get(f"/applications/{application['id']}").json()
    assert body["data"] == {"name": "山田", "kind": "a"}
    assert [(e["kind"], e["status_label"]) for e in body["timeline"]] == [
        ("submitted", "受付済み"),
        ("review_started", "審査中"),
    ]
    assert "内部メモ" not in str(body)


def test_withdraw_changes_the_status_and_adds_to_the_timeline(api):
    application = submitted(api)
    response = api.post(f"/applications/{application['id']}/withdraw", {"reason": "別の方法で手続しました"})
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    timeline = api.get(f"/applications/{application['id']}").json()["timeline"]
    assert timeline[-1]["kind"] == "withdrawn"
    assert "別の方法で手続しました" in timeline[-1]["message"]


def test_withdraw_without_a_body_is_fine_and_repeating_it_changes_nothing(api):
    application = submitted(api)
    url = f"/api/v1/applications/{application['id']}/withdraw"
    assert api.client.generic("POST", url, **api.auth).status_code == 200  # like curl -X POST
    assert api.post(f"/applications/{application['id']}/withdraw").status_code == 200
    assert ApplicationEvent.objects.filter(kind="withdrawn").count() == 1


def test_withdrawing_a_decided_application_answers_409(api):
    application = submitted(api)
    Application.objects.filter(pk=application["id"]).update(status=ApplicationStatus.APPROVED)
    response = api.post(f"/applications/{application['id']}/withdraw")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_decided"


def test_someone_elses_application_answers_404(api):
    application = submitted(api)
    _intruder, token = make_api_token()
    intruder = ApiClient(token)
    assert intruder.get(f"/applications/{application['id']}").status_code == 404
    assert intruder.post(f"/applications/{application['id']}/withdraw").status_code == 404
    assert Application.objects.get(pk=application["id"]).status == ApplicationStatus.SUBMITTED


def test_withdraw_reason_is_limited_to_500_characters(api):
    application = submitted(api)
    response = api.post(f"/applications/{application['id']}/withdraw", {"reason": "あ" * 501})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["reason"] == ["500文字以内で指定してください。"]
