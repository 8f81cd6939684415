"""Issue 13: separation of duties. Routes can require different people per step (on by default
for decisions and proposals), the engine enforces it, and messages say exactly what happened."""

import pytest

from madoguchi.accounts.constants import Role
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.review import selectors, services
from madoguchi.review.constants import CaseStatus, StepKind, StepMode, TaskStatus
from madoguchi.review.models import Case, RouteStep, TaskState
from madoguchi.review.testing import make_application, slot, step

pytestmark = pytest.mark.django_db


def pending(case):
    case = Case.objects.get(pk=case.pk)
    return list(
        TaskState.objects.filter(case=case, round=case.step_round, status=TaskStatus.PENDING).order_by("id")
    )


def _kian(office, author):
    services.route_create(
        organization=office.org,
        name="起案（合議 → 決裁）",
        steps=[
            step(
                "合議",
                StepKind.CONSULTATION,
                mode=StepMode.ALL,
                slots=[slot(office.dept_a, Role.REVIEWER), slot(office.dept_b, Role.REVIEWER)],
            ),
            step("決裁", StepKind.DECISION, slots=[slot(office.dept_a, Role.APPROVER)]),
        ],
    )
    return services.proposal_create(
        user=author, department_id=office.dept_a.pk, title="規程の改正", body="改正したい。", files=[]
    )


def test_defaults_decision_steps_and_proposal_routes_require_different_people(office):
    route = office.route(
        office.procedure_a,
        [
            step("審査", slots=[slot(office.dept_a, Role.REVIEWER)]),
            step("決裁", StepKind.DECISION, [slot(office.dept_a, Role.APPROVER)]),
        ],
    )
    assert [s.distinct_actor for s in RouteStep.objects.filter(route=route)] == [False, True]
    _kian(office, office.reviewer_a2)
    assert all(
        RouteStep.objects.filter(route__procedure__isnull=True).values_list("distinct_actor", flat=True)
    )


def test_the_drafter_cannot_approve_their_own_kian_in_the_consultation(office):
    case = _kian(office, office.reviewer_a)
    mine = next(t for t in pending(case) if t.department_id == office.dept_a.pk)
    with pytest.raises(PermissionDeniedError, match="起案者"):
        services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=mine.pk)
    assert TaskState.objects.get(pk=mine.pk).status == TaskStatus.PENDING
    # the case page tells the drafter why there is nothing to do, and offers no button
    page = selectors.case_page(
        case=selectors.access_case(user=office.reviewer_a, case_id=case.pk), user=office.reviewer_a
    )
    assert page["actionable"] == [] and any("起案者" in n for n in page["duty_notes"])
    # a colleague of the same department may
    services.task_approve(user=office.reviewer_a2, case_id=case.pk, task_id=mine.pk)


def test_one_person_cannot_do_both_review_and_decision_when_required(office):
    centre2 = office.centre
    office.route(
        office.procedure_a,
        [
            step("センター 審査", slots=[slot(None, Role.CENTRE)]),
            step("センター 認定", StepKind.DECISION, [slot(None, Role.CENTRE)]),
        ],
    )
    case = make_application(office.procedure_a).case
    [review] = pending(case)
    services.task_approve(user=centre2, case_id=case.pk, task_id=review.pk)
    [decision] = pending(case)
    with pytest.raises(PermissionDeniedError, match="職務の分離"):
        services.case_decide(user=centre2, case_id=case.pk, task_id=decision.pk, outcome="approved")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN
    # nor can it be handed to them
    with pytest.raises(FieldErrors):
        services.task_reassign(user=office.approver_a, case_id=case.pk, task_id=decision.pk, to_user=centre2)
    # it is not on their landing page
    assert case.pk not in [i.case.pk for i in selectors.waiting_work(user=centre2).mine]


def test_a_step_without_the_requirement_lets_the_same_person_continue(office):
    office.route(
        office.procedure_a,
        [
            step("審査", slots=[slot(office.dept_a, Role.REVIEWER)]),
            {
                **step("確認", StepKind.APPROVAL, [slot(office.dept_a, Role.REVIEWER)]),
                "distinct_actor": False,
            },
            step("決裁", StepKind.DECISION, [slot(office.dept_a, Role.APPROVER)]),
        ],
    )
    case = make_application(office.procedure_a).case
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=pending(case)[0].pk)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=pending(case)[0].pk)
    assert Case.objects.get(pk=case.pk).current_position == 3


def test_messages_say_a_parallel_step_still_waits(client, office):
    case = _kian(office, office.approver_a)
    client.force_login(office.reviewer_a)
    mine = next(t for t in pending(case) if t.department_id == office.dept_a.pk)
    response = client.post(
        f"/staff/cases/{case.pk}/act/", {"action": "approve", "task": mine.pk}, follow=True
    )
    body = response.content.decode()
    assert "次の段階へ回しました" not in body
    assert "ほかに" in body and office.dept_b.name in body
    client.force_login(office.reviewer_b)
    other = pending(case)[0]
    body = client.post(
        f"/staff/cases/{case.pk}/act/", {"action": "approve", "task": other.pk}, follow=True
    ).content.decode()
    assert "次の段階「決裁」へ回し" in body
