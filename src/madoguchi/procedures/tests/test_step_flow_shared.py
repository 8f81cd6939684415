"""One step flow (procedures/steps.py) for the applicant pages, the counter and the builder's
preview: a step skipped by an earlier answer is skipped in all three, a field hidden by an
earlier answer is hidden in all three, and errors link to the inputs in the same way."""

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.applications import selectors as applicant_selectors
from madoguchi.applications import services as applicant_services
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_department, make_organization, make_procedure, make_staff, make_user
from madoguchi.counter import selectors as counter_selectors
from madoguchi.counter import services as counter_services
from madoguchi.procedures import steps

pytestmark = pytest.mark.django_db

# 「ペット」 asks for the pet's name only when the household keeps one; the 「ペット」 step is
# skipped entirely for a household without.
DEFINITION = {
    "steps": [
        {
            "key": "household",
            "title": "世帯",
            "fields": [
                {
                    "key": "has_pet",
                    "type": "radio",
                    "label": "ペットを飼っていますか",
                    "required": True,
                    "options": [{"value": "yes", "label": "はい"}, {"value": "no", "label": "いいえ"}],
                },
                {"key": "name", "type": "text", "label": "氏名", "required": True},
            ],
        },
        {
            "key": "pet",
            "title": "ペット",
            "show_if": {"field": "has_pet", "equals": "yes"},
            "fields": [{"key": "pet_name", "type": "text", "label": "ペットの名前", "required": True}],
        },
        {
            "key": "contact",
            "title": "連絡先",
            "fields": [
                {
                    "key": "pet_note",
                    "type": "text",
                    "label": "ペットについて",
                    "show_if": {"field": "has_pet", "equals": "yes"},
                },
                {"key": "phone", "type": "text", "label": "電話番号", "required": True},
            ],
        },
    ]
}


def test_the_flow_skips_steps_and_fields_by_earlier_answers():
    without = steps.flow_steps(DEFINITION, {"has_pet": "no"})
    assert [s.key for s in without] == ["household", "contact"]
    with_pet = steps.flow_steps(DEFINITION, {"has_pet": "yes"}, completed=["household"])
    assert [(s.key, s.completed) for s in with_pet] == [
        ("household", True),
        ("pet", False),
        ("contact", False),
    ]
    assert steps.step_neighbours(without, "household") == (None, without[1])
    assert steps.first_open_step(with_pet) == with_pet[1]
    contact = DEFINITION["steps"][2]
    assert [f["key"] for f in steps.step_fields(contact, {"has_pet": "no"})] == ["phone"]
    assert [f["key"] for f in steps.step_fields(contact, {"has_pet": "yes"})] == ["pet_note", "phone"]


def test_saving_a_step_replaces_its_own_values_only():
    step = DEFINITION["steps"][0]
    merged = steps.step_values_merge({"has_pet": "yes", "name": "旧", "phone": "1"}, step, {"has_pet": "no"})
    assert merged == {"has_pet": "no", "phone": "1"}


def test_error_links_follow_the_fields_and_a_page_message_links_to_the_form():
    step = DEFINITION["steps"][0]
    links = steps.error_links(step, {"name": ["氏名を"], "has_pet": ["選んで"], "__page": ["全体"]})
    assert [link["href"] for link in links] == ["#id_has_pet", "#id_name", "#step-form"]


def test_the_applicant_pages_use_the_same_flow():
    procedure = make_procedure(definition=DEFINITION)
    draft = applicant_services.draft_start(applicant=make_user(), procedure=procedure)
    draft = applicant_services.draft_save_step(
        draft=draft, step_key="household", raw={"has_pet": "no", "name": "山田"}
    )
    assert [s.key for s in applicant_selectors.draft_steps(draft)] == ["household", "contact"]


def test_the_counter_skips_what_the_answers_skip_and_does_not_wait_for_it(client):
    org = make_organization()
    department = make_department(org)
    staff = make_staff(org, Role.COUNTER, department)
    procedure = make_procedure(org, definition=DEFINITION, department=department)
    visit = counter_services.visit_start(
        staff=staff, procedure_id=procedure.pk, visitor_name="窓口 花子", identity_method="mynumber_card"
    )
    client.force_login(staff)
    response = client.post(
        reverse("counter:step", args=[visit.pk, "household"]), {"has_pet": "no", "name": "窓口 花子"}
    )
    assert response.status_code == 302 and response["Location"].endswith("/contact/")
    assert client.get(reverse("counter:step", args=[visit.pk, "pet"])).status_code == 302
    page = client.get(reverse("counter:step", args=[visit.pk, "contact"])).content.decode()
    assert "id_phone" in page and "id_pet_note" not in page
    visit.refresh_from_db()
    assert [s.key for s in counter_selectors.visit_missing_steps(visit.draft)] == ["contact"]
    with pytest.raises(FieldErrors):
        counter_services.visit_hand_over(staff=staff, visit_id=visit.pk)
    response = client.post(reverse("counter:step", args=[visit.pk, "contact"]), {"phone": ""})
    assert response.status_code == 422 and 'href="#id_phone"' in response.content.decode()
    counter_services.visit_save_step(staff=staff, visit_id=visit.pk, step_key="contact", raw={"phone": "03"})
    # the 「ペット」 page is not missing
    assert counter_services.visit_hand_over(staff=staff, visit_id=visit.pk)


def test_the_preview_skips_what_the_answers_skip(client):
    org = make_organization()
    client.force_login(make_staff(org, role=Role.OWNER))
    procedure = make_procedure(org, definition=DEFINITION)
    url = reverse("builder:preview", args=[procedure.pk])
    response = client.post(url, {"step": "household", "has_pet": "no", "name": "山田"})
    assert response.status_code == 302 and response["Location"].endswith("?step=contact")
    page = client.get(url + "?step=contact").content.decode()
    assert "id_phone" in page and "id_pet_note" not in page and "ペットの名前" not in page
    assert client.get(url + "?step=pet").status_code == 302
    response = client.post(url, {"step": "household", "has_pet": "yes", "name": "山田"})
    assert response["Location"].endswith("?step=pet")
    assert client.get(url + "?step=nowhere").status_code == 404
