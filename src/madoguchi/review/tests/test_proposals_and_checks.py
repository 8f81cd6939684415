import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.constants import Role
from madoguchi.core.errors import FieldErrors
from madoguchi.review import checks, selectors, services
from madoguchi.review.constants import CaseStatus, CheckKind, StepKind, StepMode, TaskStatus
from madoguchi.review.models import Case, ProcedureCheck, TaskState
from madoguchi.review.testing import make_application, slot, step

pytestmark = pytest.mark.django_db


def proposal_route(office):
    return services.route_create(
        organization=office.org,
        name="起案（課長決裁・合議あり）",
        steps=[
            step("係長確認", StepKind.APPROVAL, slots=[slot(office.dept_a, Role.REVIEWER)]),
            step(
                "合議",
                StepKind.CONSULTATION,
                mode=StepMode.ALL,
                slots=[slot(office.dept_b, Role.APPROVER), slot(office.dept_a, Role.APPROVER)],
            ),
            step("決裁", StepKind.DECISION, slots=[slot(user=office.deputy_a)]),
        ],
    )


def pending(case):
    case = Case.objects.get(pk=case.pk)
    return list(
        TaskState.objects.filter(case=case, round=case.step_round, status=TaskStatus.PENDING).order_by("id")
    )


def test_kian_goes_through_consultation_in_parallel_and_is_signed(office):
    proposal_route(office)
    pdf = SimpleUploadedFile("資料.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    case = services.proposal_create(
        user=office.reviewer_a2,
        department_id=office.dept_a.pk,
        title="保養施設の料金改定について",
        body="令和9年度から料金を改定したい。",
        files=[pdf],
    )
    assert case.proposal.attachments.count() == 1
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=pending(case)[0].pk)
    b_task, a_task = pending(case)
    services.task_approve(user=office.approver_b, case_id=case.pk, task_id=b_task.pk, comment="異議なし")
    services.task_approve(user=office.approver_a, case_id=case.pk, task_id=a_task.pk)
    [decision] = pending(case)
    services.case_decide(
        user=office.deputy_a,
        case_id=case.pk,
        task_id=decision.pk,
        outcome="approved",
        reason="原案のとおり決定",
    )
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.APPROVED
    notice = case.notices.get()
    assert bytes(notice.pdf).startswith(b"%PDF") and b"/ByteRange" in bytes(notice.pdf)
    rate = selectors.e_decision_rate(organization_id=office.org.pk, kind="proposal")
    assert rate == {"total": 1, "electronic": 1, "rate": 1.0}


def test_e_decision_rate_counts_paper_decisions(office):
    proposal_route(office)
    case = services.proposal_create(
        user=office.reviewer_a, department_id=office.dept_a.pk, title="t", body="b"
    )
    from django.utils import timezone

    Case.objects.filter(pk=case.pk).update(decided_at=timezone.now(), is_electronic=False, status="approved")
    assert selectors.e_decision_rate(organization_id=office.org.pk)["rate"] == 0.0


def test_kian_needs_title_and_body_and_a_department_you_belong_to(office):
    proposal_route(office)
    with pytest.raises(FieldErrors) as exc:
        services.proposal_create(user=office.reviewer_a, department_id=office.dept_a.pk, title="", body="")
    assert set(exc.value.errors) == {"title", "body"}
    from madoguchi.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.proposal_create(user=office.reviewer_a, department_id=office.dept_b.pk, title="t", body="b")


def test_eligibility_check_passes_or_fails_with_the_reason(office):
    ProcedureCheck.objects.create(
        procedure=office.procedure_a,
        kind=CheckKind.ELIGIBILITY,
        label="種別A のみ対象",
        config={"rule": {"field": "kind", "equals": "a"}},
        message="種別A以外は対象外です。",
    )
    ok_case = make_application(office.procedure_a).case
    ng_case = make_application(
        office.procedure_a, data={"name": "x", "kind": "other", "kind_other": "y"}
    ).case
    [ok] = checks.run_checks(ok_case)
    [ng] = checks.run_checks(ng_case)
    assert ok.passed and not ng.passed and ng.reason == "種別A以外は対象外です。"


def test_duplicate_check_finds_the_same_business_key(office):
    ProcedureCheck.objects.create(
        procedure=office.procedure_a,
        kind=CheckKind.DUPLICATE,
        label="同じ組合員・同じ期間の申請",
        config={"fields": ["name", "kind"]},
    )
    first = make_application(office.procedure_a).case
    second = make_application(office.procedure_a).case
    other = make_application(office.procedure_a, data={"name": "別人", "kind": "a"}).case
    [dup] = checks.run_checks(second)
    assert not dup.passed and first.reference_number in dup.reason
    [unique] = checks.run_checks(other)
    assert unique.passed
