"""The editor's 「申請で入力された職員に回す」: offered for the procedure's staff e-mail fields only."""

import pytest

from madoguchi.procedures.models import ProcedureVersion
from madoguchi.review.models import StepSlot
from madoguchi.review.tests.route_editor.test_views import form_data

pytestmark = pytest.mark.django_db


def with_supervisor_field(procedure):
    version: ProcedureVersion = procedure.current_version
    definition = {**version.definition}
    definition["steps"] = [
        *definition["steps"],
        {
            "key": "boss",
            "title": "所属長",
            "fields": [
                {
                    "key": "supervisor_email",
                    "type": "email",
                    "label": "所属長のメールアドレス",
                    "staff_role": "approver",
                },
                {"key": "contact_email", "type": "email", "label": "連絡先"},
            ],
        },
    ]
    procedure.current_version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=version.number + 1,
        definition=definition,
        status=version.status,
        published_at=version.published_at,
    )
    procedure.save(update_fields=["current_version"])


def test_a_step_sent_to_the_typed_supervisor_is_saved_shown_and_edited_again(client, office, admin):
    with_supervisor_field(office.procedure_a)
    client.force_login(admin)
    page = client.get(f"/staff/routes/new/?for=procedure:{office.procedure_a.pk}").content.decode()
    assert 'name="s0-0-person_field"' in page and "所属長のメールアドレス" in page
    assert "連絡先</option>" not in page  # an address that names nobody on staff is not offered
    data = form_data(office, **{"s0-0-actor": "role:approver", "s0-0-person_field": "supervisor_email"})
    response = client.post("/staff/routes/new/", data)
    assert response.status_code == 302
    slot = StepSlot.objects.get(step__route__procedure=office.procedure_a, step__position=1)
    assert (slot.person_field, slot.role, slot.department) == ("supervisor_email", "approver", office.dept_a)
    listing = client.get("/staff/routes/").content.decode()
    assert "申請で入力された職員（項目 supervisor_email）" in listing
    edit = client.get(f"/staff/routes/{slot.step.route_id}/").content.decode()
    assert '<option value="supervisor_email" selected>' in edit


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"s0-0-person_field": "contact_email"}, "職員のアドレスを尋ねる"),
        ({"s0-0-actor": "user:0", "s0-0-person_field": "supervisor_email"}, None),
    ],
)
def test_a_field_that_names_nobody_on_staff_or_a_slot_without_a_role_is_refused(
    client, office, admin, overrides, message
):
    with_supervisor_field(office.procedure_a)
    client.force_login(admin)
    response = client.post("/staff/routes/new/", form_data(office, **overrides))
    assert response.status_code == 422
    if message:
        assert message in response.content.decode()
    assert not StepSlot.objects.filter(step__route__procedure=office.procedure_a).exists()
