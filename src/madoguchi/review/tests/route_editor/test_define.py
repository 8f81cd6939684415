"""Route editor: define a route (a procedure's or the 起案 one), its default, 職務の分離 and step deadlines."""

import pytest

from madoguchi.audit.models import AuditEntry
from madoguchi.review import services as review_services
from madoguchi.review.constants import StepKind, StepMode, TaskStatus
from madoguchi.review.models import TaskState
from madoguchi.review.testing import make_application
from madoguchi.review.tests.route_editor.support import define, two_steps

pytestmark = pytest.mark.django_db


def test_define_creates_the_default_route_of_a_procedure_with_its_steps_and_audit(office, admin):
    parallel = [
        {"department": str(office.dept_a.pk), "actor": "role:reviewer"},
        {"department": str(office.dept_b.pk), "actor": "role:reviewer"},
        {"department": "", "actor": f"user:{office.reviewer_a2.pk}"},
    ]
    route = define(
        admin, office, steps=two_steps(office, review_slots=parallel, mode=StepMode.N_OF_M, required="2")
    )

    assert route.is_default and route.procedure_id == office.procedure_a.pk
    first, last = route.steps.order_by("position")
    assert (first.mode, first.required_count, first.slots.count()) == (StepMode.N_OF_M, 2, 3)
    assert first.slots.filter(user=office.reviewer_a2, role="").exists()
    assert last.kind == StepKind.DECISION
    assert review_services.route_for_procedure(procedure=office.procedure_a) == route
    actions = set(AuditEntry.objects.filter(target_id=str(route.pk)).values_list("action", flat=True))
    assert {"route.created", "route.default_set"} <= actions


def test_define_for_proposals_leaves_one_default_proposal_route(office, admin):
    first = define(admin, office, target=f"proposals:{office.org.pk}", name="起案A")
    second = define(admin, office, target=f"proposals:{office.org.pk}", name="起案B")

    first.refresh_from_db()
    assert second.is_default and not first.is_default
    assert review_services.route_for_proposals(organization=office.org) == second


def test_define_without_default_keeps_the_current_default(office, admin):
    current = define(admin, office, name="いまの経路")
    other = define(admin, office, name="別の経路", make_default=False)

    current.refresh_from_db()
    assert current.is_default and not other.is_default


def test_define_sets_separation_of_duties_and_a_step_deadline_and_audits_them(office, admin):
    steps = two_steps(office)
    steps[0].update(distinct_actor=False, deadline_days="３")  # full-width digits are fine
    steps[1].update(distinct_actor=True, deadline_days="2")

    route = define(admin, office, steps=steps)

    first, last = route.steps.order_by("position")
    assert (first.distinct_actor, first.deadline_days) == (False, 3)
    assert (last.distinct_actor, last.deadline_days) == (True, 2)
    entry = AuditEntry.objects.get(action="route.created", target_id=str(route.pk))
    assert entry.after["steps"][0]["name"] == "審査"


def test_without_a_choice_the_decision_and_every_proposal_step_are_done_by_another_person(office, admin):
    procedure_route = define(admin, office)
    proposal_route = define(admin, office, target=f"proposals:{office.org.pk}")

    assert [s.distinct_actor for s in procedure_route.steps.order_by("position")] == [False, True]
    assert [s.distinct_actor for s in proposal_route.steps.order_by("position")] == [True, True]


def test_the_step_deadline_reaches_the_tasks_of_a_new_case(office, admin):
    steps = two_steps(office)
    steps[0]["deadline_days"] = "2"
    define(admin, office, steps=steps)

    case = make_application(office.procedure_a).case

    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    assert task.due_date is not None and task.due_date <= case.due_date
