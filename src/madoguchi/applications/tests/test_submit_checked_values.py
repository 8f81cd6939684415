"""A draft created through the API with its values keeps their stamp (procedures/checked.py);
its submission does not clean those values again when nothing changed — and stays exactly as
strict when something did: a value, the day, the version's rules relative to today, the code."""

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.applications.models import Application, Draft
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure
from madoguchi.procedures import checked
from madoguchi.procedures.fields.basic import TextField
from madoguchi.procedures.fields.dates import DateField

pytestmark = pytest.mark.django_db

DEFINITION = {
    "steps": [
        {
            "key": "main",
            "title": "予約",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                # a day from today on: what was valid yesterday may not be today
                {
                    "key": "visit",
                    "type": "date",
                    "label": "来庁日",
                    "required": True,
                    "validation": {"min": "today"},
                },
                {"key": "note", "type": "textarea", "label": "備考"},
            ],
        }
    ]
}


@pytest.fixture
def api():
    _user, token = make_api_token()
    return ApiClient(token)


@pytest.fixture
def procedure():
    return make_procedure(definition=DEFINITION)


@pytest.fixture
def cleans(monkeypatch):
    """The field types' cleanings, by type id, as they happen."""
    seen: list[str] = []
    for field_class in (TextField, DateField):
        original = field_class.clean

        def counted(self, raw, spec, context, _original=original):
            seen.append(spec["type"])
            return _original(self, raw, spec, context)

        monkeypatch.setattr(field_class, "clean", counted)
    return seen


def create(api, procedure, **values) -> str:
    data = {"name": " 山田 太郎 ", "visit": timezone.localdate().isoformat(), **values}
    response = api.post(
        "/drafts", {"procedure": f"{procedure.organization.slug}/{procedure.slug}", "data": data}
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def submit(api, draft_id: str):
    return api.post(f"/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY=f"key-{draft_id}")


def test_a_draft_created_with_values_keeps_their_stamp(api, procedure):
    draft = Draft.objects.get(pk=create(api, procedure))
    assert draft.data["name"] == "山田 太郎"
    assert draft.checked == checked.values_stamp(version_id=draft.version_id, values=draft.data)


def test_unchanged_values_are_not_cleaned_again_on_the_same_day(api, procedure, cleans):
    draft_id = create(api, procedure, note="後日郵送")
    created = list(cleans)
    response = submit(api, draft_id)
    assert response.status_code == 201, response.content
    assert cleans == created  # the submission cleaned nothing more
    application = Application.objects.get(pk=response.json()["id"])
    assert application.data == Draft.objects.get(pk=draft_id).data


def test_a_value_changed_after_creation_is_cleaned_again(api, procedure, cleans):
    draft_id = create(api, procedure)
    draft = Draft.objects.get(pk=draft_id)
    Draft.objects.filter(pk=draft_id).update(data={**draft.data, "note": "  書き換え  "})
    del cleans[:]
    response = submit(api, draft_id)
    assert response.status_code == 201, response.content
    assert sorted(cleans) == ["date", "text", "textarea"]
    assert Application.objects.get(pk=response.json()["id"]).data["note"] == "書き換え"


def test_an_invalid_value_written_after_creation_is_refused(api, procedure):
    draft_id = create(api, procedure)
    draft = Draft.objects.get(pk=draft_id)
    Draft.objects.filter(pk=draft_id).update(data={**draft.data, "name": "x" * 300})
    response = submit(api, draft_id)
    assert response.status_code == 422
    assert "name" in response.json()["error"]["fields"]
    assert not Application.objects.exists()


def test_the_next_day_a_date_that_was_today_is_checked_again_and_refused(api, procedure, monkeypatch):
    today = timezone.localdate()
    draft_id = create(api, procedure)  # visit = today, valid today
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + dt.timedelta(days=1))
    response = submit(api, draft_id)
    assert response.status_code == 422
    assert "visit" in response.json()["error"]["fields"]
    assert not Application.objects.exists()


def test_other_cleaning_code_cleans_again(api, procedure, cleans, monkeypatch):
    draft_id = create(api, procedure)
    monkeypatch.setattr(checked, "_code", "another deployment")
    del cleans[:]
    response = submit(api, draft_id)
    assert response.status_code == 201, response.content
    assert sorted(cleans) == ["date", "text"]


def test_a_draft_with_values_the_applicant_did_not_send_gets_no_stamp(api):
    definition = {
        "steps": [
            {
                "key": "main",
                "title": "申請者",
                "fields": [
                    {"key": "name", "type": "text", "label": "氏名", "required": True},
                    {"key": "email", "type": "email", "label": "メール", "prefill": True},
                ],
            }
        ]
    }
    procedure = make_procedure(definition=definition)
    response = api.post(
        "/drafts", {"procedure": f"{procedure.organization.slug}/{procedure.slug}", "data": {"name": "山田"}}
    )
    assert response.status_code == 201, response.content
    draft = Draft.objects.get(pk=response.json()["id"])
    assert "email" in draft.data  # prefilled from the account, never cleaned
    assert draft.checked == ""
