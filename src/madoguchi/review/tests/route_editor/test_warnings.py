"""Route editor: the warnings about a valid route (saved anyway), and that the engine does what they say."""

import pytest

from madoguchi.review import services as review_services
from madoguchi.review.constants import StepKind, StepMode, TaskStatus
from madoguchi.review.models import TaskState
from madoguchi.review.route_editor import services
from madoguchi.review.testing import make_application
from madoguchi.review.tests.route_editor.support import two_steps

pytestmark = pytest.mark.django_db


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


# ---------------------------------------------------------------------------- nobody eligible


def _approvers_of(office, department, *, kind=StepKind.REVIEW, distinct=None):
    step = {
        "name": "段階",
        "kind": kind,
        "mode": StepMode.ALL,
        "required_count": "1",
        "slots": [{"department": str(department.pk), "actor": "role:approver"}],
    }
    if distinct is not None:
        step["distinct_actor"] = distinct
    return step


def test_a_separated_step_whose_only_person_acts_on_an_earlier_step_is_warned(office):
    """福利課 has one approver: asked for the review, they cannot decide too (職務の分離)."""
    steps = [
        _approvers_of(office, office.dept_b),
        _approvers_of(office, office.dept_b, kind=StepKind.DECISION),
    ]
    steps[1]["distinct_actor"] = True

    warnings = dict(services.route_warnings(steps=steps, organization=office.org))

    assert set(warnings) == {"steps.1.distinct_actor"}
    assert "処理できる人がいません" in warnings["steps.1.distinct_actor"]
    assert office.approver_b.display_name in warnings["steps.1.distinct_actor"]
    # without the organization (who holds the roles unknown) nothing is said; two approvers are enough
    assert services.route_warnings(steps=steps) == []
    steps = [
        _approvers_of(office, office.dept_a),
        _approvers_of(office, office.dept_a, kind=StepKind.DECISION),
    ]
    steps[1]["distinct_actor"] = True
    assert services.route_warnings(steps=steps, organization=office.org) == []
    steps[1]["distinct_actor"] = False  # not separated: the one approver may do both
    steps = [
        _approvers_of(office, office.dept_b),
        _approvers_of(office, office.dept_b, kind=StepKind.DECISION),
    ]
    steps[1]["distinct_actor"] = False
    assert set(dict(services.route_warnings(steps=steps, organization=office.org))) == {
        "steps.1.distinct_actor"
    }


def test_a_step_whose_role_nobody_holds_is_warned(office):
    from madoguchi.core.testing import make_department

    empty = make_department(office.org, name="新設課")
    steps = [_approvers_of(office, empty), _approvers_of(office, office.dept_a, kind=StepKind.DECISION)]
    steps[1]["distinct_actor"] = True

    warnings = dict(services.route_warnings(steps=steps, organization=office.org))

    assert set(warnings) == {"steps.0.slots"}
    assert "職員がいません" in warnings["steps.0.slots"]


def test_a_proposal_route_part_only_one_person_can_do_is_warned(office):
    """S11: that person's own 起案 would stop there (nobody approves their own)."""
    steps = [
        {
            "name": "合議",
            "kind": StepKind.CONSULTATION,
            "mode": StepMode.ALL,
            "required_count": "1",
            "slots": [
                {"department": str(office.dept_b.pk), "actor": "role:reviewer"},
                {"department": str(office.dept_a.pk), "actor": "role:reviewer"},
            ],
        },
        _approvers_of(office, office.dept_a, kind=StepKind.DECISION, distinct=True),
    ]

    warnings = dict(services.route_warnings(steps=steps, organization=office.org, proposals=True))

    assert set(warnings) == {"steps.0.slots"}
    assert (
        office.reviewer_b.display_name in warnings["steps.0.slots"]
        and "起案すると" in warnings["steps.0.slots"]
    )
    assert services.route_warnings(steps=steps, organization=office.org, proposals=False) == []


def test_the_editor_page_shows_the_warning_next_to_the_step(client, office, admin):
    steps = [
        _approvers_of(office, office.dept_b),
        _approvers_of(office, office.dept_b, kind=StepKind.DECISION),
    ]
    steps[1]["distinct_actor"] = True
    route = services.route_define(
        user=admin, target=f"procedure:{office.procedure_b.pk}", name="福利課", steps=steps, make_default=True
    )
    client.force_login(admin)

    page = client.get(f"/staff/routes/{route.pk}/").content.decode()

    assert "この段階を処理できる人がいません" in page
