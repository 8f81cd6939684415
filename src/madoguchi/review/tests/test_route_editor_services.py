"""Route editor services: define, revise (in place or as a new route), make default, permissions."""

import pytest
from django.http import Http404

from madoguchi.accounts.constants import Role
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_department, make_organization, make_staff
from madoguchi.review import services as review_services
from madoguchi.review.constants import StepKind, StepMode, TaskStatus
from madoguchi.review.models import Route, RouteStep, TaskState
from madoguchi.review.route_editor import selectors, services
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(office):
    return make_staff(office.org, Role.ADMIN, None)


@pytest.fixture
def owner_a(office):
    return make_staff(office.org, Role.OWNER, office.dept_a)


def two_steps(office, *, review_slots=None, mode=StepMode.ALL, required="1"):
    return [
        {
            "name": "審査",
            "kind": StepKind.REVIEW,
            "mode": mode,
            "required_count": required,
            "slots": review_slots or [{"department": str(office.dept_a.pk), "actor": "role:reviewer"}],
        },
        {
            "name": "決裁",
            "kind": StepKind.DECISION,
            "mode": StepMode.ALL,
            "required_count": "1",
            "slots": [{"department": str(office.dept_a.pk), "actor": "role:approver"}],
        },
    ]


def define(user, office, **kw):
    return services.route_define(
        user=user,
        target=kw.pop("target", f"procedure:{office.procedure_a.pk}"),
        name=kw.pop("name", "保険課の経路"),
        steps=kw.pop("steps", None) or two_steps(office),
        make_default=kw.pop("make_default", True),
    )


def error_keys(exc_info) -> set[str]:
    return set(exc_info.value.errors)


# ---------------------------------------------------------------------------- define


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


# ---------------------------------------------------------------------------- validation


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


# ---------------------------------------------------------------------------- revise


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


# ---------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("who", ["reviewer_a", "approver_a", "centre", "auditor"])
def test_staff_who_are_not_owner_or_admin_get_404(office, admin, who):
    route = define(admin, office)
    user = getattr(office, who)
    with pytest.raises(Http404):
        define(user, office, name="勝手な経路")
    with pytest.raises(Http404):
        services.route_revise(
            user=user, route_id=route.pk, name="x", steps=two_steps(office), make_default=True
        )
    with pytest.raises(Http404):
        services.route_make_default(user=user, route_id=route.pk)
    assert Route.objects.count() == 1


def test_admin_of_another_organization_gets_404(office, admin):
    route = define(admin, office)
    stranger = make_staff(make_organization(), Role.ADMIN, None)
    with pytest.raises(Http404):
        services.route_revise(
            user=stranger, route_id=route.pk, name="x", steps=two_steps(office), make_default=True
        )
    with pytest.raises(FieldErrors) as exc_info:
        define(stranger, office)
    assert "target" in error_keys(exc_info)
    assert Route.objects.count() == 1


def test_owner_of_a_department_edits_only_its_procedures_routes(office, admin, owner_a):
    mine = define(owner_a, office)
    theirs = define(admin, office, target=f"procedure:{office.procedure_b.pk}")
    values = {t.value for t in selectors.route_targets(user=owner_a)}

    assert values == {f"procedure:{office.procedure_a.pk}"}
    services.route_make_default(user=owner_a, route_id=mine.pk)
    with pytest.raises(Http404):
        services.route_make_default(user=owner_a, route_id=theirs.pk)
    with pytest.raises(FieldErrors):
        define(owner_a, office, target=f"proposals:{office.org.pk}")


def test_a_replaced_proposal_route_is_no_longer_offered_or_accepted(office, admin):
    old = define(admin, office, target=f"proposals:{office.org.pk}", name="起案の経路")
    proposer = make_staff(office.org, Role.REVIEWER, office.dept_a)
    review_services.proposal_create(
        user=proposer, department_id=office.dept_a.pk, title="備品購入", body="理由", route_id=old.pk
    )  # a case now uses the route, so editing it saves a new one
    revision = services.route_revise(
        user=admin, route_id=old.pk, name="起案の経路（改）", steps=two_steps(office), make_default=True
    )
    assert revision.route.pk != old.pk
    with pytest.raises(FieldErrors) as caught:
        review_services.proposal_create(
            user=proposer, department_id=office.dept_a.pk, title="次の起案", body="理由", route_id=old.pk
        )
    assert "route" in caught.value.errors
    assert review_services.route_for_proposals(organization=office.org) == revision.route


# ---------------------------------------------------------------------------- 職務の分離 and step deadlines


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


def test_the_step_deadline_reaches_the_tasks_of_a_new_case(office, admin):
    steps = two_steps(office)
    steps[0]["deadline_days"] = "2"
    define(admin, office, steps=steps)

    case = make_application(office.procedure_a).case

    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    assert task.due_date is not None and task.due_date <= case.due_date


def test_warnings_name_a_decision_mode_the_engine_decides_differently_and_a_missing_separation(office):
    steps = two_steps(office)
    steps[1].update(
        mode=StepMode.ANY,
        distinct_actor=False,
        slots=[
            {"department": str(office.dept_a.pk), "actor": "role:approver"},
            {"department": str(office.dept_b.pk), "actor": "role:approver"},
        ],
    )
    steps[0]["deadline_days"] = "15"

    warnings = dict(services.route_warnings(steps=steps, standard_days=10))

    assert set(warnings) == {"steps.1.mode", "steps.1.distinct_actor", "steps.0.deadline_days"}
    assert "1人でも不承認にすると" in warnings["steps.1.mode"]
    assert "15開庁日" in warnings["steps.0.deadline_days"] and "10開庁日" in warnings["steps.0.deadline_days"]
    steps[1].update(mode=StepMode.ALL, distinct_actor=True)
    steps[0]["deadline_days"] = "5"
    assert services.route_warnings(steps=steps, standard_days=10) == []


@pytest.mark.parametrize("mode", [StepMode.ANY, StepMode.N_OF_M])
def test_the_engine_decides_as_the_warning_says_one_rejection_decides_at_once(office, mode):
    """What route_warnings tells the editor about a 決裁 with several people is what happens."""
    office.route(
        office.procedure_a,
        [
            {
                "name": "審査",
                "kind": StepKind.REVIEW,
                "slots": [{"department": office.dept_a, "role": "reviewer"}],
            },
            {
                "name": "決裁",
                "kind": StepKind.DECISION,
                "mode": mode,
                "required_count": 2 if mode == StepMode.N_OF_M else 1,
                "slots": [
                    {"user": office.approver_a},
                    {"user": office.deputy_a},
                    {"user": office.approver_b},
                ],
            },
        ],
    )
    case = make_application(office.procedure_a).case
    first = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    review_services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=first.pk)
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING, assignee=office.approver_a)

    review_services.case_decide(
        user=office.approver_a,
        case_id=case.pk,
        task_id=task.pk,
        outcome="rejected",
        reason="要件を満たさない",
    )

    case.refresh_from_db()
    assert case.status == "rejected"
    assert not TaskState.objects.filter(case=case, status=TaskStatus.PENDING).exists()
