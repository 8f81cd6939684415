import pytest

from madoguchi.accounts.constants import Role
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.review import services
from madoguchi.review.constants import CaseStatus, StepKind, StepMode, TaskStatus
from madoguchi.review.models import Case, TaskState
from madoguchi.review.testing import make_application, slot, step

pytestmark = pytest.mark.django_db


def pending(case, user=None):
    qs = TaskState.objects.filter(
        case=case, status=TaskStatus.PENDING, round=Case.objects.get(pk=case.pk).step_round
    )
    return list(qs.order_by("id"))


def refresh(case):
    return Case.objects.get(pk=case.pk)


def test_submitting_an_application_opens_a_case_on_the_default_route(office):
    application = make_application(office.procedure_a)
    case = Case.objects.get(application=application)
    assert case.department == office.dept_a
    assert case.current_position == 1
    assert case.due_date is not None
    [task] = pending(case)
    assert (task.department, task.role) == (office.dept_a, Role.REVIEWER)
    assert application.revisions.get().number == 1


def test_sequential_route_review_then_decision(office):
    case = make_application(office.procedure_a).case
    [review] = pending(case)
    services.case_claim(user=office.reviewer_a, case_id=case.pk)
    assert refresh(case).assignee == office.reviewer_a
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=review.pk, comment="要件確認済み")
    case = refresh(case)
    assert case.current_position == 2 and case.application.status == ApplicationStatus.IN_REVIEW
    [decision] = pending(case)
    services.case_decide(user=office.approver_a, case_id=case.pk, task_id=decision.pk, outcome="approved")
    case = refresh(case)
    assert case.status == CaseStatus.APPROVED
    assert case.application.status == ApplicationStatus.APPROVED
    assert case.notices.count() == 1


def test_claimed_task_can_only_be_done_by_the_claimer(office):
    case = make_application(office.procedure_a).case
    [task] = pending(case)
    services.case_claim(user=office.reviewer_a, case_id=case.pk)
    with pytest.raises(PermissionDeniedError):
        services.task_approve(user=office.reviewer_a2, case_id=case.pk, task_id=task.pk)
    assert TaskState.objects.get(pk=task.pk).status == TaskStatus.PENDING


def test_reassign_hands_the_task_to_a_colleague_who_fits(office):
    case = make_application(office.procedure_a).case
    [task] = pending(case)
    services.case_claim(user=office.reviewer_a, case_id=case.pk)
    with pytest.raises(FieldErrors):
        services.task_reassign(
            user=office.reviewer_a, case_id=case.pk, task_id=task.pk, to_user=office.reviewer_b
        )
    services.task_reassign(
        user=office.reviewer_a, case_id=case.pk, task_id=task.pk, to_user=office.reviewer_a2
    )
    services.task_approve(user=office.reviewer_a2, case_id=case.pk, task_id=task.pk)
    assert refresh(case).current_position == 2


def _parallel(office, mode, required=1):
    office.route(
        office.procedure_a,
        [
            step("審査", slots=[slot(office.dept_a, Role.REVIEWER)]),
            step(
                "合議",
                StepKind.CONSULTATION,
                mode=mode,
                required_count=required,
                slots=[
                    slot(user=office.reviewer_b),
                    slot(user=office.approver_b),
                    slot(user=office.reviewer_a2),
                ],
            ),
            step("決裁", StepKind.DECISION, slots=[slot(office.dept_a, Role.APPROVER)]),
        ],
    )
    case = make_application(office.procedure_a).case
    [review] = pending(case)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=review.pk)
    return refresh(case)


def test_parallel_all_needs_every_consultee(office):
    case = _parallel(office, StepMode.ALL)
    tasks = pending(case)
    assert len(tasks) == 3
    for user, task in zip([office.reviewer_b, office.approver_b], tasks, strict=False):
        services.task_approve(user=user, case_id=case.pk, task_id=task.pk)
    assert refresh(case).current_position == 2
    services.task_approve(user=office.reviewer_a2, case_id=case.pk, task_id=tasks[2].pk)
    assert refresh(case).current_position == 3


def test_parallel_any_advances_on_the_first_agreement_and_skips_the_rest(office):
    case = _parallel(office, StepMode.ANY)
    tasks = pending(case)
    services.task_approve(user=office.approver_b, case_id=case.pk, task_id=tasks[1].pk)
    assert refresh(case).current_position == 3
    assert {TaskState.objects.get(pk=t.pk).status for t in (tasks[0], tasks[2])} == {TaskStatus.SKIPPED}


def test_parallel_two_of_three(office):
    case = _parallel(office, StepMode.N_OF_M, required=2)
    tasks = pending(case)
    services.task_approve(user=office.reviewer_b, case_id=case.pk, task_id=tasks[0].pk)
    assert refresh(case).current_position == 2
    services.task_approve(user=office.reviewer_a2, case_id=case.pk, task_id=tasks[2].pk)
    assert refresh(case).current_position == 3


def test_consultee_of_another_department_sees_the_case_but_not_unrelated_ones(office):
    from madoguchi.review import selectors

    case = _parallel(office, StepMode.ALL)
    assert selectors.access_case(user=office.reviewer_b, case_id=case.pk) == case
    other = make_application(office.procedure_a).case
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.access_case(user=office.reviewer_b, case_id=other.pk)


def test_substitute_decision_is_recorded_as_daiketsu(office):
    office.route(
        office.procedure_a,
        [
            step("審査", slots=[slot(office.dept_a, Role.REVIEWER)]),
            step("決裁", StepKind.DECISION, slots=[slot(user=office.approver_a)]),
        ],
    )
    case = make_application(office.procedure_a).case
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=pending(case)[0].pk)
    [decision] = pending(case)
    with pytest.raises(PermissionDeniedError):  # not without saying so
        services.case_decide(user=office.deputy_a, case_id=case.pk, task_id=decision.pk, outcome="approved")
    with pytest.raises(PermissionDeniedError):  # a reviewer may not 代決
        services.case_decide(
            user=office.reviewer_a2, case_id=case.pk, task_id=decision.pk, outcome="approved", substitute=True
        )
    services.case_decide(
        user=office.deputy_a, case_id=case.pk, task_id=decision.pk, outcome="approved", substitute=True
    )
    task = TaskState.objects.get(pk=decision.pk)
    assert task.substitute and task.actor == office.deputy_a and task.on_behalf_of == office.approver_a
    assert refresh(case).decision.on_behalf_of == office.approver_a
    entry = AuditEntry.objects.filter(action="case.decided", target_id=str(case.pk)).get()
    assert entry.after["substitute"] is True


def test_pull_back_before_the_next_person_acted(office):
    case = make_application(office.procedure_a).case
    [review] = pending(case)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=review.pk)
    services.task_pull_back(user=office.reviewer_a, case_id=case.pk, task_id=review.pk)
    case = refresh(case)
    assert case.current_position == 1
    [again] = pending(case)
    assert again.claimed_by == office.reviewer_a
    assert TaskState.objects.filter(case=case, position=2, status=TaskStatus.PULLED_BACK).count() == 1


def test_pull_back_is_refused_once_the_next_person_acted(office):
    office.route(
        office.procedure_a,
        [
            step("審査", slots=[slot(office.dept_a, Role.REVIEWER)]),
            step("係長確認", StepKind.APPROVAL, slots=[slot(user=office.reviewer_a2)]),
            step("決裁", StepKind.DECISION, slots=[slot(office.dept_a, Role.APPROVER)]),
        ],
    )
    case = make_application(office.procedure_a).case
    [review] = pending(case)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=review.pk)
    services.task_approve(user=office.reviewer_a2, case_id=case.pk, task_id=pending(case)[0].pk)
    with pytest.raises(DomainError):
        services.task_pull_back(user=office.reviewer_a, case_id=case.pk, task_id=review.pk)
    assert refresh(case).current_position == 3


def test_return_sends_the_case_back_to_the_previous_actor_with_a_reason(office):
    case = make_application(office.procedure_a).case
    [review] = pending(case)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=review.pk)
    [decision] = pending(case)
    with pytest.raises(FieldErrors) as exc:
        services.task_return(user=office.approver_a, case_id=case.pk, task_id=decision.pk, comment=" ")
    assert "comment" in exc.value.errors
    services.task_return(user=office.approver_a, case_id=case.pk, task_id=decision.pk, comment="金額を再確認")
    case = refresh(case)
    assert case.current_position == 1 and case.assignee == office.reviewer_a
    [again] = pending(case)
    assert again.claimed_by == office.reviewer_a
    assert TaskState.objects.get(pk=decision.pk).status == TaskStatus.RETURNED


def test_rejection_needs_a_reason(office):
    case = make_application(office.procedure_a).case
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=pending(case)[0].pk)
    [decision] = pending(case)
    with pytest.raises(FieldErrors) as exc:
        services.case_decide(user=office.approver_a, case_id=case.pk, task_id=decision.pk, outcome="rejected")
    assert "reason" in exc.value.errors
    services.case_decide(
        user=office.approver_a,
        case_id=case.pk,
        task_id=decision.pk,
        outcome="rejected",
        reason="対象期間外のため",
    )
    case = refresh(case)
    assert case.status == CaseStatus.REJECTED and case.application.status == ApplicationStatus.REJECTED
    assert case.application.events.filter(kind="decided", public=True).exists()


def test_withdrawal_by_the_applicant_closes_the_case(office):
    from madoguchi.applications.services import application_withdraw

    application = make_application(office.procedure_a)
    application_withdraw(application=application, actor=application.applicant)
    case = Case.objects.get(application=application)
    assert case.status == CaseStatus.WITHDRAWN
    assert not pending(case)
    with pytest.raises(DomainError):
        services.case_claim(user=office.reviewer_a, case_id=case.pk)


def test_route_must_end_with_a_decision(office):
    with pytest.raises(FieldErrors):
        office.route(office.procedure_a, [step("審査", slots=[slot(office.dept_a, Role.REVIEWER)])])


def test_backoffice_demo_loader_is_idempotent_without_demo_organizations(db):
    from madoguchi.review.demo import load_backoffice_demo

    assert list(load_backoffice_demo())[-1] == "back-office demo data loaded."


def test_consultation_with_another_department_appears_in_that_departments_team_queue(office):
    from madoguchi.review import selectors

    office.route(
        office.procedure_a,
        [
            step("審査", slots=[slot(office.dept_a, Role.REVIEWER)]),
            step("合議", StepKind.CONSULTATION, slots=[slot(office.dept_b, Role.APPROVER)]),
            step("決裁", StepKind.DECISION, slots=[slot(office.dept_a, Role.APPROVER)]),
        ],
    )
    case = make_application(office.procedure_a).case
    assert case not in selectors.case_queue(user=office.approver_b, queue="team").rows
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=pending(case)[0].pk)
    assert refresh(case) in selectors.case_queue(user=office.approver_b, queue="team").rows
    [consult] = pending(case)
    assert consult.cross_department
    services.task_approve(user=office.approver_b, case_id=case.pk, task_id=consult.pk, comment="異議なし")
    assert refresh(case).current_position == 3
