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


def test_a_refund_waits_on_my_work_of_the_approvers_who_may_approve_it_not_of_its_requester(paid, client):
    office, payment = paid
    refund = services.refund_request(
        user=office.approver_a, payment_id=payment.pk, amount="100", reason="一部取下げ"
    )
    reference = payment.application.reference_number

    def my_work(user):
        client.force_login(user)
        return client.get("/staff/work/").content.decode()

    for approver in (office.deputy_a, office.centre):  # same department / organization-wide
        page = my_work(approver)
        assert "承認を待っている還付（1件）" in page and reference in page
        assert f'href="/payments/staff/{payment.pk}/"' in page and "還付 100円" in page
    for other in (
        office.approver_a,
        office.reviewer_a,
        office.approver_b,
    ):  # requester, not an approver, other dept
        assert "承認を待っている還付" not in my_work(other)
    services.refund_approve(user=office.deputy_a, refund_id=refund.pk)
    assert "承認を待っている還付" not in my_work(office.centre)  # approved: no longer waiting


def test_the_requester_cannot_approve_their_own_refund_through_the_page(paid, client):
    office, payment = paid
    refund = services.refund_request(
        user=office.approver_a, payment_id=payment.pk, amount="100", reason="一部取下げ"
    )
    client.force_login(office.approver_a)
    url = f"/payments/staff/{payment.pk}/"
    page = client.get(url).content.decode()
    assert "還付を承認する" not in page and "自分で起案した還付は、別の職員が承認します。" in page
    refused = client.post(url, {"action": "approve", "refund": str(refund.pk)})
    assert refused.status_code == 403
    assert "自分で起案した還付は承認できません" in refused.content.decode()
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED and payment.refunded_amount == 0
    client.force_login(office.deputy_a)  # the second pair of eyes
    assert client.post(url, {"action": "approve", "refund": str(refund.pk)}).status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.approved_by == office.deputy_a


def test_the_refund_on_the_staff_page_reads_well_in_english(paid, client):
    from django.conf import settings

    office, payment = paid
    services.refund_request(user=office.approver_a, payment_id=payment.pk, amount="100", reason="一部取下げ")
    client.force_login(office.deputy_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/payments/staff/{payment.pk}/").content.decode()
    assert "300 yen" in page and "100 yen" in page and "Requested by" in page
    assert "Internal proposal" not in page and "300yen" not in page
