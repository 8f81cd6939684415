"""Refunds: full or partial, with a reason, four eyes, audited, once."""

import pytest
from django.db import IntegrityError

from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.payments import services
from madoguchi.payments.constants import PaymentStatus, RefundStatus
from madoguchi.payments.models import Refund
from madoguchi.payments.testing import fee_office, sandbox_pay, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid():
    office = fee_office()
    payment = submit(office)
    attempt = sandbox_pay(payment)
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    payment.refresh_from_db()
    return office, payment


def test_the_requester_cannot_approve_their_own_refund(paid):
    office, payment = paid
    refund = services.refund_request(
        user=office.approver_a, payment_id=payment.pk, amount="100", reason="一部取下げ"
    )
    with pytest.raises(DomainError) as refused:
        services.refund_approve(user=office.approver_a, refund_id=refund.pk)
    assert refused.value.code == "four_eyes"


def test_the_database_refuses_a_refund_approved_by_its_requester(paid):
    office, payment = paid
    with pytest.raises(IntegrityError):
        Refund.objects.create(
            payment=payment,
            amount=1,
            reason="x",
            requested_by=office.approver_a,
            approved_by=office.approver_a,
        )


def test_a_partial_then_the_rest_refunds_fully_and_each_is_audited(paid):
    office, payment = paid
    first = services.refund_request(
        user=office.reviewer_a, payment_id=payment.pk, amount="１００", reason="一部"
    )
    services.refund_approve(user=office.approver_a, refund_id=first.pk)
    services.refund_approve(user=office.approver_a, refund_id=first.pk)  # double click
    payment.refresh_from_db()
    assert payment.refunded_amount == 100 and payment.status == PaymentStatus.PAID
    second = services.refund_request(
        user=office.reviewer_a, payment_id=payment.pk, amount="200", reason="残り"
    )
    services.refund_approve(user=office.approver_a, refund_id=second.pk)
    payment.refresh_from_db()
    assert payment.refunded_amount == 300 and payment.status == PaymentStatus.REFUNDED
    assert AuditEntry.objects.filter(action="payment.refunded", target_id=str(payment.pk)).count() == 2


def test_a_refund_above_what_was_paid_or_without_reason_is_refused(paid):
    office, payment = paid
    with pytest.raises(FieldErrors) as errors:
        services.refund_request(user=office.reviewer_a, payment_id=payment.pk, amount="301", reason="")
    assert set(errors.value.as_dict()) == {"amount", "reason"}


def test_a_rejected_refund_changes_no_money(paid):
    office, payment = paid
    refund = services.refund_request(
        user=office.reviewer_a, payment_id=payment.pk, amount="300", reason="誤り"
    )
    services.refund_reject(user=office.approver_a, refund_id=refund.pk, note="不要")
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == RefundStatus.REJECTED and payment.refunded_amount == 0
