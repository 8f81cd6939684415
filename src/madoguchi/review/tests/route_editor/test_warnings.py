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
