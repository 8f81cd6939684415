"""Starting an application: the signed-in applicant's name and e-mail start filled in, and the procedure
page counts the pages as the form does (issue 13)."""

import pytest
from django.urls import reverse

from madoguchi.applications import services
from madoguchi.core.testing import make_procedure, make_user
from madoguchi.procedures.prefill import prefill_values

pytestmark = pytest.mark.django_db

DEFINITION = {
    "steps": [
        {
            "key": "about",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "name", "label": "氏名", "required": True, "prefill": True},
                {"key": "email", "type": "email", "label": "メールアドレス", "prefill": True},
                {"key": "spouse_email", "type": "email", "label": "配偶者のメールアドレス"},
            ],
        }
    ]
}


def test_a_new_draft_starts_with_the_applicants_name_and_email_from_the_account():
    applicant = make_user("hanako@example.jp", display_name="山田 花子")
    procedure = make_procedure(definition=DEFINITION, allows_proxy=True)
    draft = services.draft_start(applicant=applicant, procedure=procedure)
    assert draft.data["name"] == {"family": "山田", "given": "花子", "family_kana": "", "given_kana": ""}
    assert draft.data["email"] == "hanako@example.jp"
    assert "spouse_email" not in draft.data  # only fields marked "prefill"
    proxy = services.draft_start(applicant=applicant, procedure=procedure, as_proxy=True)
    assert "name" not in proxy.data  # a proxy applies for someone else


def test_what_the_applicant_typed_wins_over_the_account_and_odd_names_are_left_alone():
    applicant = make_user("taro@example.jp", display_name="行政書士 佐藤 一郎")
    procedure = make_procedure(definition=DEFINITION)
    draft = services.draft_start(applicant=applicant, procedure=procedure, data={"email": "other@example.jp"})
    assert draft.data == {"email": "other@example.jp"}
    assert prefill_values(DEFINITION, user=None) == {}


def test_the_first_page_shows_the_prefilled_values(client):
    applicant = make_user("hanako@example.jp", display_name="山田 花子")
    procedure = make_procedure(definition=DEFINITION)
    client.force_login(applicant)
    draft = services.draft_start(applicant=applicant, procedure=procedure)
    page = client.get(reverse("applications:draft_step", args=[draft.pk, "about"])).content.decode()
    assert 'value="山田"' in page and 'value="hanako@example.jp"' in page


def test_the_procedure_page_counts_the_steps_as_the_form_does(client):
    import re

    definition = {
        "steps": [
            *DEFINITION["steps"],
            {"key": "more", "title": "詳細", "fields": [{"key": "note", "type": "text", "label": "備考"}]},
        ]
    }
    applicant = make_user("hanako@example.jp", display_name="山田 花子")
    procedure = make_procedure(definition=definition)
    page = client.get(f"/{procedure.organization.slug}/{procedure.slug}/").content.decode()
    announced = int(re.search(r"(\d+)ステップ", page)[1])
    client.force_login(applicant)
    draft = services.draft_start(applicant=applicant, procedure=procedure)
    form = client.get(reverse("applications:draft_step", args=[draft.pk, "about"])).content.decode()
    counted = int(re.search(r"ステップ 1 / (\d+)", form)[1])
    assert announced == counted == 3  # two steps and the 確認 page
