"""Route editor: revise a route (in place, or as a new route when a case used it) and make it the default."""

import pytest

from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import FieldErrors
from madoguchi.review import services as review_services
from madoguchi.review.constants import StepKind, StepMode, TaskStatus
from madoguchi.review.models import Route, RouteStep, TaskState
from madoguchi.review.route_editor import selectors, services
from madoguchi.review.testing import make_application
from madoguchi.review.tests.route_editor.support import define, two_steps

pytestmark = pytest.mark.django_db


def test_revise_a_route_no_case_used_changes_it_in_place(office, admin):
    route = define(admin, office)
    steps = two_steps(office)
    steps.insert(
        1,
        {
            "name": "合議",
            "kind": StepKind.CONSULTATION,
            "mode": StepMode.ANY,
            "required_count": "",
            "slots": [{"department": str(office.dept_b.pk), "actor": "role:reviewer"}],
        },
    )

    result = services.route_revise(
        user=admin, route_id=route.pk, name="改めた経路", steps=steps, make_default=True
    )

    assert result.route.pk == route.pk and not result.replaced
    assert list(route.steps.order_by("position").values_list("name", flat=True)) == ["審査", "合議", "決裁"]
    assert Route.objects.count() == 1
    entry = AuditEntry.objects.get(action="route.updated", target_id=str(route.pk))
    assert entry.before["name"] == "保険課の経路" and entry.after["name"] == "改めた経路"


def test_revise_a_route_with_open_cases_saves_a_new_default_route_and_leaves_the_cases_alone(office, admin):
    route = define(admin, office)
    case = make_application(office.procedure_a).case
    assert case.route_id == route.pk
    tasks_before = list(TaskState.objects.filter(case=case).values("id", "step_id", "slot_id", "status"))
    steps = two_steps(office)
    steps[0]["name"] = "一次審査"

    result = services.route_revise(
        user=admin, route_id=route.pk, name="新しい経路", steps=steps, make_default=True
    )

    route.refresh_from_db()
    assert result.replaced and result.open_cases == 1 and result.route.pk != route.pk
    assert result.route.is_default and not route.is_default
    assert route.name == "保険課の経路"
    assert list(route.steps.order_by("position").values_list("name", flat=True)) == ["審査", "決裁"]
    case.refresh_from_db()
    assert case.route_id == route.pk
    assert (
        list(TaskState.objects.filter(case=case).values("id", "step_id", "slot_id", "status")) == tasks_before
    )
    assert make_application(office.procedure_a).case.route_id == result.route.pk
    entry = AuditEntry.objects.get(action="route.replaced", target_id=str(route.pk))
    assert entry.after["replaced_by"] == result.route.pk and entry.after["open_cases"] == 1
    assert selectors.replaced_by([route.pk]) == {route.pk: result.route.pk}

    # The open case still runs to its end on the old route.
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    review_services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
    decision = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    assert decision.step.route_id == route.pk


def test_revise_without_changes_writes_nothing(office, admin):
    route = define(admin, office)
    entries = AuditEntry.objects.count()

    result = services.route_revise(
        user=admin, route_id=route.pk, name="保険課の経路", steps=two_steps(office), make_default=True
    )

    assert result.unchanged and AuditEntry.objects.count() == entries


def test_unticking_default_on_an_unchanged_route_in_use_only_clears_the_flag(office, admin):
    route = define(admin, office)
    make_application(office.procedure_a)

    result = services.route_revise(
        user=admin, route_id=route.pk, name="保険課の経路", steps=two_steps(office), make_default=False
    )

    route.refresh_from_db()
    assert result.route.pk == route.pk and not result.replaced and not route.is_default
    assert Route.objects.count() == 1
    assert AuditEntry.objects.filter(action="route.default_cleared", target_id=str(route.pk)).exists()


def test_revise_with_errors_changes_nothing(office, admin):
    route = define(admin, office)
    steps = two_steps(office)
    steps[1]["kind"] = StepKind.REVIEW
    with pytest.raises(FieldErrors):
        services.route_revise(user=admin, route_id=route.pk, name="x", steps=steps, make_default=True)
    route.refresh_from_db()
    assert route.name == "保険課の経路" and RouteStep.objects.filter(route=route).count() == 2


def test_make_default_moves_the_flag_and_is_audited(office, admin):
    first = define(admin, office, name="一")
    second = define(admin, office, name="二")

    services.route_make_default(user=admin, route_id=first.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_default and not second.is_default
    entry = AuditEntry.objects.filter(action="route.default_set", target_id=str(first.pk)).latest("id")
    assert entry.before == {"default": second.pk}


def test_revise_in_place_keeps_what_was_chosen_for_each_step(office, admin):
    route = define(admin, office)
    steps = two_steps(office)
    steps[0].update(distinct_actor=True, deadline_days="5")
    steps[1].update(distinct_actor=False, deadline_days="")

    result = services.route_revise(
        user=admin, route_id=route.pk, name=route.name, steps=steps, make_default=True
    )

    assert not result.unchanged and not result.replaced
    first, last = route.steps.order_by("position")
    assert (first.distinct_actor, first.deadline_days, last.distinct_actor, last.deadline_days) == (
        True,
        5,
        False,
        None,
    )
    entry = AuditEntry.objects.get(action="route.updated", target_id=str(route.pk))
    assert (
        entry.before["steps"][1]["distinct_actor"] is True
        and entry.after["steps"][1]["distinct_actor"] is False
    )
    assert entry.after["steps"][0]["deadline_days"] == 5


def test_changing_only_a_deadline_of_a_route_in_use_saves_a_new_route(office, admin):
    route = define(admin, office)
    make_application(office.procedure_a)
    steps = two_steps(office)
    steps[0]["deadline_days"] = "4"

    result = services.route_revise(
        user=admin, route_id=route.pk, name=route.name, steps=steps, make_default=True
    )

    assert result.replaced
    assert result.route.steps.get(position=1).deadline_days == 4
    assert route.steps.get(position=1).deadline_days is None
