"""Pay before the submission completes (gate ``before_submission``): the application waits for its
fee (applications' AWAITING_PAYMENT) without a case or a receipt; the payment completes 受付
(case, receipt notice) exactly once; unpaid past the deadline it is closed with a notice;
double clicks, the back button and retries make one application and one payment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.applications import services as applications
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import make_user
from madoguchi.notifications.models import Notification
from madoguchi.payments import services
from madoguchi.payments.constants import EventKind, Method, PaymentGate, PaymentStatus
from madoguchi.payments.models import Payment, PaymentAttempt, PaymentEvent
from madoguchi.payments.providers.sandbox import deliver_due
from madoguchi.payments.testing import fee_office, sandbox_pay, submit
from madoguchi.review.models import Case
from madoguchi.review.testing import VALID_DATA

pytestmark = pytest.mark.django_db


def pay_first_office(**setting):
    return fee_office(gate=PaymentGate.BEFORE_SUBMISSION, pay_within_days=3, **setting)


def received_notices(application) -> int:
    """Receipt notices written (one row per channel: mailbox and e-mail) — counted by e-mail."""
    return Notification.objects.filter(
        event="application.submitted", recipient=application.applicant, channel="email"
    ).count()


def test_the_application_waits_for_its_fee_without_a_case_or_a_receipt(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = submit(pay_first_office())
    application = payment.application
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT
    assert application.reference_number  # the number to pay against and to ask about
    assert not Case.objects.filter(application=application).exists()
    assert received_notices(application) == 0
    assert payment.status == PaymentStatus.PAYABLE and payment.gate == PaymentGate.BEFORE_SUBMISSION
    # the applicant is told what to pay, by when, and where
    told = Notification.objects.get(
        event="payment.requested", recipient=application.applicant, channel="email"
    )
    assert application.reference_number in told.subject and "300" in told.body
    event = application.events.get()
    assert event.status == ApplicationStatus.AWAITING_PAYMENT and "お支払いを確認すると" in event.message
    # the follow-up and its sweeper leave it alone
    assert applications.application_follow_up(application_id=application.pk) is False
    assert applications.applications_follow_up_sweep(grace_seconds=0)["done"] == 0
    assert applications.applications_waiting_count(grace_seconds=0) == 0
    assert not Case.objects.filter(application=application).exists()


def test_paying_completes_the_submission_once_whatever_arrives_twice(django_capture_on_commit_callbacks):
    payment = submit(pay_first_office())
    application = payment.application
    with django_capture_on_commit_callbacks(execute=True):
        attempt = sandbox_pay(payment)
    with django_capture_on_commit_callbacks(execute=True):
        services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_due(force=True)  # both webhook copies, after the return
        services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    application.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.followed_up_at is not None
    assert Case.objects.filter(application=application).count() == 1
    assert received_notices(application) == 1
    assert application.events.filter(kind="payment_received").count() == 1
    assert (
        AuditEntry.objects.filter(
            action="application.payment_received", target_id=str(application.pk)
        ).count()
        == 1
    )
    assert PaymentEvent.objects.filter(payment=payment, kind=EventKind.SUCCEEDED).count() == 1


def test_a_double_click_on_submit_makes_one_application_and_one_payment():
    office = pay_first_office()
    applicant = make_user()
    draft = applications.draft_create(
        applicant=applicant, procedure=office.procedure_a, data=dict(VALID_DATA)
    )
    first = applications.application_submit(draft=draft, actor=applicant, idempotency_key="click")
    again = applications.application_submit(draft=draft, actor=applicant, idempotency_key="click")
    retry = applications.application_submit(draft=draft, actor=applicant, idempotency_key="other-tab")
    assert first.pk == again.pk == retry.pk
    assert Application.objects.filter(applicant=applicant).count() == 1
    assert Payment.objects.filter(applicant=applicant).count() == 1


def test_double_clicks_and_the_back_button_start_one_checkout():
    payment = submit(pay_first_office())
    start = dict(user=payment.applicant, payment_id=payment.pk, provider_id="sandbox")
    first = services.checkout_start(**start, idempotency_key="page-1")
    double = services.checkout_start(**start, idempotency_key="page-1")
    back = services.checkout_start(**start, idempotency_key="page-2")  # the pay page shown again
    assert first.pk == double.pk == back.pk
    assert PaymentAttempt.objects.filter(payment=payment).count() == 1


def test_unpaid_past_the_deadline_the_application_is_closed_with_a_notice_and_never_received():
    payment = submit(pay_first_office())
    application = payment.application
    later = timezone.localdate() + timedelta(days=4)
    assert services.payments_expire_sweep(today=later)["closed"] == 1
    assert services.payments_expire_sweep(today=later)["closed"] == 0  # twice is harmless
    application.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.events.filter(kind="closed_unpaid").count() == 1
    closed = Notification.objects.filter(event="payment.closed_unpaid", recipient=application.applicant)
    assert closed.filter(channel="email").count() == 1
    # never received: the sweeper opens no case and sends no receipt for it
    applications.applications_follow_up_sweep(grace_seconds=0)
    assert not Case.objects.filter(application=application).exists()
    assert received_notices(application) == 0


def test_a_late_payment_after_closing_is_kept_for_a_refund_and_does_not_reopen():
    from madoguchi.payments.selectors import staff_payments

    office = pay_first_office()
    payment = submit(office)
    attempt = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="late"
    )
    PaymentAttempt.objects.filter(pk=attempt.pk).update(status="expired")  # the session ran out
    services.payments_expire_sweep(today=timezone.localdate() + timedelta(days=4))
    services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="300")
    payment.refresh_from_db()
    payment.application.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.application.status == ApplicationStatus.WITHDRAWN
    assert payment in staff_payments(user=office.centre, filters={"status": "problems"})


def test_withdrawing_while_waiting_cancels_the_fee_and_nothing_follows():
    payment = submit(pay_first_office())
    application = payment.application
    applications.application_withdraw(application=application, actor=payment.applicant)
    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert application.status == ApplicationStatus.WITHDRAWN and application.followed_up_at is not None
    applications.applications_follow_up_sweep(grace_seconds=0)
    assert not Case.objects.filter(application=application).exists()
    assert services.payments_expire_sweep(today=timezone.localdate() + timedelta(days=1))["reminded"] == 0


def test_cash_at_the_counter_completes_the_submission(django_capture_on_commit_callbacks):
    office = pay_first_office()
    payment = submit(office)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="３００")
    payment.application.refresh_from_db()
    assert payment.application.status == ApplicationStatus.SUBMITTED
    assert Case.objects.filter(application=payment.application).count() == 1
    payment.refresh_from_db()
    assert payment.method == Method.CASH


def test_a_reduction_to_verify_keeps_it_waiting_until_staff_confirm_it(django_capture_on_commit_callbacks):
    rule = {"label": "生活保護を受けている方", "expr": 'kind == "a"', "percent": 100, "verify": True}
    office = pay_first_office(reductions=[rule])
    payment = submit(office)
    payment.application.refresh_from_db()
    assert payment.status == PaymentStatus.AWAITING_AMOUNT
    assert payment.application.status == ApplicationStatus.AWAITING_PAYMENT
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_reduction_decide(user=office.reviewer_a, payment_id=payment.pk, decision="confirm")
    payment.refresh_from_db()
    payment.application.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.method == Method.EXEMPT
    assert payment.application.status == ApplicationStatus.SUBMITTED
    assert Case.objects.filter(application=payment.application).count() == 1


def test_a_fee_waived_at_submission_does_not_hold_the_application():
    rule = {"label": "非課税世帯", "expr": 'kind == "a"', "percent": 100, "verify": False}
    payment = submit(pay_first_office(reductions=[rule]))
    payment.application.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.application.status == ApplicationStatus.SUBMITTED
    assert Case.objects.filter(application=payment.application).count() == 1


def test_the_standard_processing_period_counts_from_the_payment(django_capture_on_commit_callbacks, client):
    from madoguchi.core.business_days import add_business_days

    office = pay_first_office()  # its procedure: 10 business days
    payment = submit(office)
    application = payment.application
    # submitted two weeks ago; paid (and so received) only today
    sent = timezone.now() - timedelta(days=14)
    Application.objects.filter(pk=application.pk).update(submitted_at=sent)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = sandbox_pay(payment)
    with django_capture_on_commit_callbacks(execute=True):
        services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    case = Case.objects.get(application=application)
    today = timezone.localdate()
    assert case.due_date == add_business_days(today, 10)
    assert case.due_date != add_business_days(timezone.localdate(sent), 10)
    assert timezone.localdate(case.opened_at) == today
    # the status page's 受付日時 is the payment's too
    client.force_login(application.applicant)
    page = client.get(f"/applications/{application.pk}/").content.decode()
    assert f"{today.year}年）" in page and f"{today.month}月{today.day}日" in page


def test_an_application_received_at_once_counts_from_its_submission():
    from madoguchi.core.business_days import add_business_days

    payment = submit(fee_office())  # paid at submission, received at once
    case = Case.objects.get(application=payment.application)
    submitted_on = timezone.localdate(payment.application.submitted_at)
    assert case.due_date == add_business_days(submitted_on, 10)
