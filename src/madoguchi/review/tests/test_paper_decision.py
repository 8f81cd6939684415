"""紙決裁の記録: a decision signed on paper closes the case with is_electronic=False."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.core.testing import make_organization, make_staff
from madoguchi.review import selectors, services
from madoguchi.review.constants import CaseStatus, TaskStatus
from madoguchi.review.models import Decision, Notice, PaperDecision, TaskState
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def scan(name="kessai.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def at_decision_step(office):
    case = make_application(office.procedure_a).case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
    return case


def record(office, case, user=None, **overrides):
    values = {
        "outcome": "approved",
        "decided_on": timezone.localdate().isoformat(),
        "signed_by": "保険課長 山田 花子",
        "document_number": "保第123号",
        "reason": "",
        "scan": scan(),
    }
    values.update(overrides)
    return services.case_decide_on_paper(user=user or office.approver_a, case_id=case.pk, **values)


def test_paper_decision_closes_the_case_like_an_electronic_one_but_not_electronic(office):
    case = at_decision_step(office)
    paper = record(office, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert case.outcome == "approved"
    assert case.decided_at is not None
    assert case.is_electronic is False
    assert not TaskState.objects.filter(case=case, status=TaskStatus.PENDING).exists()
    assert Decision.objects.get(case=case).pk == paper.decision_id
    assert not Notice.objects.filter(case=case).exists()  # no PAdES notice for a paper decision
    application = case.application
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.events.filter(kind="decided", public=True).exists()
    assert paper.signed_by == "保険課長 山田 花子"
    assert paper.document_number == "保第123号"
    assert paper.content_type == "application/pdf"
    assert paper.scan.read() == PDF
    entry = AuditEntry.objects.filter(action="case.decided_on_paper").get()
    assert entry.after["is_electronic"] is False
    assert entry.after["signed_by"] == "保険課長 山田 花子"
    assert entry.after["scan"]["size"] == len(PDF)
    assert "%PDF" not in str(entry.after)  # details only, no file bytes


def test_notification_is_queued_for_the_applicant(office):
    from madoguchi.notifications.models import Notification

    case = at_decision_step(office)
    record(office, case)
    assert Notification.objects.filter(event="application.decided").exists()


def test_rejection_on_paper_needs_a_reason_and_keeps_it(office):
    case = at_decision_step(office)
    with pytest.raises(FieldErrors) as exc:
        record(office, case, outcome="rejected")
    assert "reason" in exc.value.as_dict()
    record(office, case, outcome="rejected", reason="対象期間外のため")
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert case.decision.reason == "対象期間外のため"


def test_electronic_decision_rate_counts_the_paper_decision_as_paper(office):
    paper_case = at_decision_step(office)
    record(office, paper_case)
    electronic_case = at_decision_step(office)
    task = TaskState.objects.get(case=electronic_case, status=TaskStatus.PENDING)
    services.case_decide(
        user=office.approver_a, case_id=electronic_case.pk, task_id=task.pk, outcome="approved"
    )
    rate = selectors.e_decision_rate(organization_id=office.org.pk)
    assert rate == {"total": 2, "electronic": 1, "rate": 0.5}


def test_a_closed_case_is_refused(office):
    case = at_decision_step(office)
    record(office, case)
    with pytest.raises(DomainError) as exc:
        record(office, case)
    assert exc.value.code == "closed"
    assert PaperDecision.objects.filter(case=case).count() == 1


def test_a_reviewer_who_may_not_decide_is_refused(office):
    case = at_decision_step(office)
    with pytest.raises(PermissionDeniedError):
        record(office, case, user=office.reviewer_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.is_electronic is True


def test_before_the_decision_step_nobody_records_a_paper_decision(office):
    case = make_application(office.procedure_a).case
    with pytest.raises(PermissionDeniedError):
        record(office, case)


def test_an_admin_may_record_it_as_substitute(office):
    admin = make_staff(office.org, Role.ADMIN, None)
    case = at_decision_step(office)
    record(office, case, user=admin)
    case.refresh_from_db()
    assert case.is_electronic is False


def test_staff_of_another_organization_get_404(office):
    other = make_staff(make_organization(), Role.ADMIN, None)
    case = at_decision_step(office)
    with pytest.raises(Http404):
        record(office, case, user=other)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("", "形で入力"), ("2026/13/40", "形で入力"), ("future", "未来"), ("before", "受付日")],
)
def test_the_date_is_checked(office, value, fragment):
    case = at_decision_step(office)
    today = timezone.localdate()
    if value == "future":
        value = (today + dt.timedelta(days=1)).isoformat()
    elif value == "before":
        value = (timezone.localdate(case.opened_at) - dt.timedelta(days=1)).isoformat()
    with pytest.raises(FieldErrors) as exc:
        record(office, case, decided_on=value)
    assert fragment in exc.value.as_dict()["decided_on"][0]


def test_signer_and_scan_are_required(office):
    case = at_decision_step(office)
    with pytest.raises(FieldErrors) as exc:
        record(office, case, signed_by="  ", scan=None)
    assert set(exc.value.as_dict()) == {"signed_by", "scan"}


def test_a_pdf_that_is_really_text_is_refused(office):
    case = at_decision_step(office)
    with pytest.raises(FieldErrors) as exc:
        record(office, case, scan=scan("kessai.pdf", b"this is only text, not a PDF"))
    assert "scan" in exc.value.as_dict()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


# ---------------------------------------------------------------------------- the page


def url(case):
    return reverse("review:paper_decision", args=[case.pk])


def test_case_page_links_to_the_paper_decision_only_for_the_decider(client, office):
    case = at_decision_step(office)
    client.force_login(office.approver_a)
    assert url(case) in client.get(reverse("review:case", args=[case.pk])).content.decode()
    client.force_login(office.reviewer_a)
    assert url(case) not in client.get(reverse("review:case", args=[case.pk])).content.decode()


def test_page_get_shows_the_form(client, office):
    case = at_decision_step(office)
    client.force_login(office.approver_a)
    response = client.get(url(case))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert 'name="scan"' in body


def test_page_is_404_for_another_organization(client, office):
    case = at_decision_step(office)
    client.force_login(make_staff(make_organization(), Role.ADMIN, None))
    assert client.get(url(case)).status_code == 404
    assert client.post(url(case), {"outcome": "approved"}).status_code == 404


def test_page_post_with_errors_keeps_typed_values(client, office):
    case = at_decision_step(office)
    client.force_login(office.approver_a)
    response = client.post(
        url(case),
        {
            "outcome": "rejected",
            "decided_on": "2999-01-01",
            "signed_by": "保険課長 山田 花子",
            "document_number": "保第77号",
            "reason": "",
            "scan": scan("kessai.pdf", b"plain text"),
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'class="error-summary"' in body
    assert 'id="decided_on-error"' in body and 'id="reason-error"' in body and 'id="scan-error"' in body
    assert 'value="保険課長 山田 花子"' in body
    assert 'value="保第77号"' in body
    assert 'value="2999-01-01"' in body
    assert 'value="rejected" checked' in body
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_page_post_records_and_redirects_then_offers_the_scan(client, office):
    case = at_decision_step(office)
    client.force_login(office.approver_a)
    response = client.post(
        url(case),
        {
            "outcome": "approved",
            "decided_on": timezone.localdate().isoformat(),
            "signed_by": "保険課長 山田 花子",
            "scan": scan(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("review:case", args=[case.pk])
    case.refresh_from_db()
    assert case.is_electronic is False
    page = client.get(url(case)).content.decode()
    scan_url = reverse("review:paper_decision_scan", args=[case.pk])
    assert scan_url in page
    download = client.get(scan_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_page_for_a_reviewer_explains_and_offers_no_form(client, office):
    case = at_decision_step(office)
    client.force_login(office.reviewer_a)
    response = client.get(url(case))
    assert response.status_code == 200
    assert 'name="scan"' not in response.content.decode()
    assert client.post(url(case), {"outcome": "approved"}).status_code == 403
