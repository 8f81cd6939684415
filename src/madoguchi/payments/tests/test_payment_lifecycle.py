"""Fees at submission and after review; state transitions; the release gate; expiry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.payments import services
from madoguchi.payments.constants import EventKind, Method, PaymentGate, PaymentStatus
from madoguchi.payments.models import Payment, PaymentEvent
from madoguchi.payments.testing import fee_office, sandbox_pay, submit
from madoguchi.procedures.constants import FeeKind
from madoguchi.review import services as review
from madoguchi.review.constants import TaskStatus
from madoguchi.review.models import Notice, TaskState
from madoguchi.review.selectors import access_notice
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


def approve(office, application, outcome="approved", reason=""):
    case = application.case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    review.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    review.case_decide(
        user=office.approver_a, case_id=case.pk, task_id=task.pk, outcome=outcome, reason=reason
    )


def test_a_procedure_without_fee_opens_no_payment():
    office = fee_office(kind=FeeKind.NONE, amount=None)
    application = make_application(office.procedure_a)
    assert not Payment.objects.filter(application=application).exists()


def test_a_fixed_fee_is_owed_at_submission_with_a_deadline_and_an_audit_entry():
    office = fee_office(pay_within_days=10)
    payment = submit(office)
    assert payment.status == PaymentStatus.PAYABLE
    assert payment.amount == 300
    assert payment.revenue_code == "1401"
    assert payment.due_on == timezone.localdate() + timedelta(days=10)
    assert len(payment.customer_number) == 20 and len(payment.confirmation_number) == 6
    assert PaymentEvent.objects.filter(payment=payment, kind=EventKind.CREATED).count() == 1
    assert AuditEntry.objects.filter(action="payment.created", target_id=str(payment.pk)).exists()


def test_a_computed_fee_multiplies_by_the_copies_typed_in_full_width_digits():
    office = fee_office(quantity_field="note")
    payment = submit(office, data={"name": "山田 太郎", "note": "３", "kind": "a"})
    assert (payment.unit_amount, payment.quantity, payment.amount) == (300, 3, 900)


def test_the_amount_comes_from_the_server_not_from_the_request(client):
    from madoguchi.payments.models import SandboxCheckout

    office = fee_office()
    payment = submit(office)
    client.force_login(payment.applicant)
    response = client.post(
        f"/payments/{payment.pk}/start/",
        {"method": "sandbox", "idempotency_key": "t", "amount": "1", "unit_amount": "1"},
    )
    assert response.status_code == 302
    assert SandboxCheckout.objects.get().amount == 300


def test_after_review_the_reviewer_must_decide_the_fee_before_approving():
    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=1000)
    application = make_application(office.procedure_a)
    payment = Payment.objects.get(application=application)
    assert payment.status == PaymentStatus.AWAITING_AMOUNT
    assert payment.gate == PaymentGate.BEFORE_RELEASE
    with pytest.raises(DomainError) as refused:
        approve(office, application)
    assert refused.value.code == "fee_undecided"
    application.refresh_from_db()
    assert application.status != ApplicationStatus.APPROVED


def test_the_decided_fee_respects_the_builder_limits_and_needs_a_reason():
    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=1000)
    application = make_application(office.procedure_a)
    with pytest.raises(FieldErrors) as errors:
        services.payment_decide_amount(
            user=office.reviewer_a, application_id=application.pk, amount="5000", reason=""
        )
    assert set(errors.value.as_dict()) == {"amount", "reason"}


def test_after_approval_the_fee_is_on_the_notice_and_the_notice_waits_for_payment():
    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=1000)
    application = make_application(office.procedure_a)
    services.payment_decide_amount(
        user=office.reviewer_a, application_id=application.pk, amount="６００", reason="2通分"
    )
    approve(office, application)
    payment = Payment.objects.get(application=application)
    assert payment.status == PaymentStatus.PAYABLE and payment.amount == 600 and payment.due_on
    notice = Notice.objects.get(case=application.case)
    with pytest.raises(DomainError) as refused:
        access_notice(user=application.applicant, notice_id=notice.pk)
    assert refused.value.code == "payment_required"
    assert access_notice(user=office.approver_a, notice_id=notice.pk) == notice  # staff still see it
    attempt = sandbox_pay(payment)
    from madoguchi.payments.services import checkout_return

    checkout_return(user=application.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    assert access_notice(user=application.applicant, notice_id=notice.pk) == notice


def test_a_rejection_cancels_the_unpaid_fee():
    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None)
    application = make_application(office.procedure_a)
    approve(office, application, outcome="rejected", reason="要件を満たしません")
    assert Payment.objects.get(application=application).status == PaymentStatus.CANCELLED


def test_cash_at_the_counter_is_recorded_once_and_counts_as_not_cashless():
    from madoguchi.payments.selectors import cashless_ratio

    office = fee_office()
    payment = submit(office)
    services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="300")
    services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="300")  # double click
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.method == Method.CASH
    assert PaymentEvent.objects.filter(payment=payment, kind=EventKind.CASH_RECORDED).count() == 1
    card = submit(office)
    attempt = sandbox_pay(card)
    services.checkout_return(user=card.applicant, payment_id=card.pk, attempt_id=attempt.pk)
    ratio = cashless_ratio(organization_ids={office.org.pk})
    assert (ratio.cashless, ratio.total, ratio.ratio) == (1, 2, 0.5)


def test_cash_of_a_different_amount_is_refused_next_to_the_field():
    office = fee_office()
    payment = submit(office)
    with pytest.raises(FieldErrors) as errors:
        services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="200")
    assert "amount" in errors.value.as_dict()


def test_after_the_deadline_the_application_is_closed_with_a_notice():
    office = fee_office(pay_within_days=5)
    payment = submit(office)
    later = timezone.localdate() + timedelta(days=6)
    assert services.payments_expire_sweep(today=later)["closed"] == 1
    assert services.payments_expire_sweep(today=later)["closed"] == 0  # twice is harmless
    payment.refresh_from_db()
    payment.application.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert payment.application.status == ApplicationStatus.WITHDRAWN
    assert payment.application.events.filter(kind="closed_unpaid").count() == 1
    assert AuditEntry.objects.filter(
        action="application.closed_unpaid", target_id=str(payment.application_id)
    ).exists()
    from madoguchi.notifications.models import Notification

    assert Notification.objects.filter(event="payment.closed_unpaid", recipient=payment.applicant).exists()
    assert payment.application.case.status == "withdrawn"


def test_a_reminder_is_sent_once_before_the_deadline():
    from madoguchi.notifications.models import Notification

    office = fee_office(pay_within_days=2)
    payment = submit(office)
    assert services.payments_expire_sweep()["reminded"] == 1
    assert services.payments_expire_sweep()["reminded"] == 0
    assert Notification.objects.filter(event="payment.reminder", recipient=payment.applicant).exists()


def test_a_fee_due_at_submission_must_be_paid_before_approval():
    office = fee_office(gate=PaymentGate.AT_SUBMISSION)
    application = make_application(office.procedure_a)
    with pytest.raises(DomainError) as refused:
        approve(office, application)
    assert refused.value.code == "fee_unpaid"
    payment = Payment.objects.get(application=application)
    services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="300")
    task = TaskState.objects.get(case=application.case, status=TaskStatus.PENDING)  # the decision step
    review.case_decide(
        user=office.approver_a, case_id=application.case.pk, task_id=task.pk, outcome="approved"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


def test_a_fee_decided_at_review_reads_awaiting_the_amount_until_the_reviewer_decides_it(client):
    from django.test import Client
    from django.utils import translation

    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=1000)
    application = make_application(office.procedure_a)
    payment = Payment.objects.get(application=application)
    client.force_login(office.reviewer_a)
    staff_pages = (
        f"/payments/staff/{payment.pk}/",
        "/payments/staff/",
        f"/staff/cases/{application.case.pk}/",
    )

    def shown(text):
        for url in staff_pages:
            assert text in client.get(url).content.decode(), (url, text)

    assert payment.status_label == "金額の決定待ち"
    shown("金額の決定待ち")
    with translation.override("en"):
        assert payment.status_label == "Awaiting the amount"
    applicant = Client()
    applicant.force_login(application.applicant)
    for url in (f"/applications/{application.pk}/", f"/payments/{payment.pk}/"):  # status and pay pages
        assert "金額の決定待ち" in applicant.get(url).content.decode(), url

    services.payment_decide_amount(
        user=office.reviewer_a, application_id=application.pk, amount="600", reason="2通分"
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.AWAITING_AMOUNT  # payable once approved
    assert payment.status_label == "金額決定済み（決裁の後に請求）"
    shown("金額決定済み（決裁の後に請求）")
    panel = applicant.get(f"/applications/{application.pk}/").content.decode()
    assert "手数料は600円に決まりました。審査の結果が出たら" in panel and "金額の決定待ち" not in panel
    assert "金額の決定待ち</" not in client.get(f"/payments/staff/{payment.pk}/").content.decode()

    approve(office, application)
    payment.refresh_from_db()
    assert payment.status_label == "未納"
    # the ledger: the amount decided once (by the reviewer), then requested at the decision
    kinds = list(payment.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.AMOUNT_DECIDED, EventKind.REQUESTED]
    page = client.get(f"/payments/staff/{payment.pk}/").content.decode()
    assert page.count("金額を決定") == 1 and page.count("納付を依頼（納付期限を設定）") == 1
    # the case's history says in words what payments wrote on the applicant's timeline
    history = client.get(f"/staff/cases/{application.case.pk}/").content.decode()
    assert "手数料について申請者に知らせました" in history and "application.payment" not in history


def test_the_status_page_offers_the_notice_only_once_the_fee_is_paid(client):
    from django.urls import reverse

    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=1000)
    application = make_application(office.procedure_a)
    services.payment_decide_amount(
        user=office.reviewer_a, application_id=application.pk, amount="600", reason="2通分"
    )
    approve(office, application)
    payment = Payment.objects.get(application=application)
    notice_url = reverse("review:notice", args=[Notice.objects.get(case=application.case).pk])
    status_url = f"/applications/{application.pk}/"
    client.force_login(application.applicant)

    page = client.get(status_url).content.decode()
    assert notice_url not in page  # no link that would answer a page instead of the PDF
    assert "手数料 600円のお支払いを確認した後に、通知書をお渡しします。" in page
    assert f"納付期限は{payment.due_on.year}年{payment.due_on.month}月{payment.due_on.day}日です" in page
    assert page.count(f'href="/payments/{payment.pk}/"') == 2  # the fee panel and the held notice
    # the decision's line on the timeline does not ask to download what is held back
    assert "をダウンロードしてご確認ください" not in page
    assert "手数料のお支払いを確認した後に、決定通知書をお渡しします。" in page
    # the notice's address, opened anyway, leads to the status page with the same message
    opened = client.get(notice_url, follow=True)
    assert opened.redirect_chain == [(status_url, 302)]
    assert opened.content.decode().count("手数料 600円のお支払いを確認した後に") == 2  # message + notice

    attempt = sandbox_pay(payment)
    services.checkout_return(user=application.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    page = client.get(status_url).content.decode()
    assert notice_url in page and "納付期限は" not in page and page.count("手数料を支払う") == 0
    pdf = client.get(notice_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
