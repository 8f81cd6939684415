"""Route editor: the input refused next to the field it concerns."""

import pytest

from madoguchi.accounts.constants import Role
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_department, make_organization, make_staff
from madoguchi.review.constants import StepKind, StepMode
from madoguchi.review.models import Route
from madoguchi.review.route_editor import services
from madoguchi.review.tests.route_editor.support import define, error_keys, two_steps

pytestmark = pytest.mark.django_db


def test_n_of_m_larger_than_the_slots_is_refused_next_to_the_count(office, admin):
    with pytest.raises(FieldErrors) as exc_info:
        define(admin, office, steps=two_steps(office, mode=StepMode.N_OF_M, required="3"))
    message = exc_info.value.as_dict()["steps.0.required_count"][0]
    assert "3人" in message and "超えています" in message
    assert not Route.objects.exists()


def test_a_decision_step_that_is_not_last_is_refused(office, admin):
    steps = two_steps(office)
    steps[0]["kind"], steps[1]["kind"] = StepKind.DECISION, StepKind.REVIEW
    with pytest.raises(FieldErrors) as exc_info:
        define(admin, office, steps=steps)
    errors = exc_info.value.as_dict()
    assert "決裁の段階は最後に" in errors["steps.0.kind"][0]
    assert "最後の段階は決裁" in errors["steps.1.kind"][0]


def test_a_slot_naming_another_organizations_department_or_staff_is_refused(office, admin):
    elsewhere = make_organization()
    foreign_department = make_department(elsewhere)
    foreign_staff = make_staff(elsewhere, Role.REVIEWER, foreign_department)
    slots = [
        {"department": str(foreign_department.pk), "actor": "role:reviewer"},
        {"department": "", "actor": f"user:{foreign_staff.pk}"},
    ]
    with pytest.raises(FieldErrors) as exc_info:
        define(admin, office, steps=two_steps(office, review_slots=slots))
    errors = exc_info.value.as_dict()
    assert errors["steps.0.slots.0.department"] == ["この団体の部署を選んでください。"]
    assert "この団体で審査や決裁ができる職員" in errors["steps.0.slots.1.actor"][0]


def test_a_route_without_steps_or_name_is_refused(office, admin):
    with pytest.raises(FieldErrors) as exc_info:
        services.route_define(
            user=admin, target=f"procedure:{office.procedure_a.pk}", name=" ", steps=[], make_default=True
        )
    assert error_keys(exc_info) == {"name", "steps"}


def test_a_step_without_slots_or_with_an_empty_slot_is_refused(office, admin):
    steps = two_steps(office)
    steps[0]["slots"] = []
    steps[1]["slots"] = [{"department": "", "actor": ""}]
    with pytest.raises(FieldErrors) as exc_info:
        define(admin, office, steps=steps)
    assert {"steps.0.slots", "steps.1.slots.0.actor"} <= error_keys(exc_info)


def test_a_role_slot_of_a_departmental_role_needs_a_department(office, admin):
    steps = two_steps(office, review_slots=[{"department": "", "actor": "role:reviewer"}])
    with pytest.raises(FieldErrors) as exc_info:
        define(admin, office, steps=steps)
    assert "steps.0.slots.0.department" in error_keys(exc_info)


def test_a_counter_role_cannot_act_in_a_step(office, admin):
    steps = two_steps(office, review_slots=[{"department": str(office.dept_a.pk), "actor": "role:counter"}])
    with pytest.raises(FieldErrors) as exc_info:
        define(admin, office, steps=steps)
    assert "steps.0.slots.0.actor" in error_keys(exc_info)


def test_a_step_deadline_that_is_not_a_number_of_days_is_refused_next_to_it(office, admin):
    for bad in ("0", "三日", "251", "-2", "1.5"):
        steps = two_steps(office)
        steps[0]["deadline_days"] = bad
        with pytest.raises(FieldErrors) as exc:
            define(admin, office, steps=steps)
        assert error_keys(exc) == {"steps.0.deadline_days"}, bad
    assert not Route.objects.exists()


def test_a_person_who_must_approve_an_earlier_step_cannot_be_named_for_a_separated_step(office, admin):
    person = f"user:{office.approver_a.pk}"
    steps = two_steps(office, review_slots=[{"department": "", "actor": person}])
    steps[1]["slots"] = [{"department": "", "actor": person}]
    steps[1]["distinct_actor"] = True

    with pytest.raises(FieldErrors) as exc:
        define(admin, office, steps=steps)

    assert error_keys(exc) == {"steps.1.slots.0.actor"}
    assert "前の段階「審査」で承認する" in exc.value.errors["steps.1.slots.0.actor"][0]
    steps[1]["distinct_actor"] = False  # the editor chose to let the same person decide
    assert define(admin, office, steps=steps).steps.get(position=2).distinct_actor is False
