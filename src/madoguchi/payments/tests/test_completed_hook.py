"""The public ``payment.completed`` hook: emitted once per paid fee, whatever the way it was paid
and however often the provider tells us (higher apps — the S13 受験票 — rely on it)."""

import pytest

from madoguchi.core import events
from madoguchi.payments import services
from madoguchi.payments.providers.sandbox import deliver_due
from madoguchi.payments.testing import fee_office, sandbox_pay, submit
from madoguchi.review.testing import Office, make_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls: list[dict] = []

    def handler(**payload):
        calls.append(payload)

    events.subscribe(services.PAYMENT_COMPLETED, handler)
    yield calls
    events.unsubscribe(services.PAYMENT_COMPLETED, handler)


def test_completed_once_for_a_card_payment_delivered_twice_and_returned(heard):
    payment = submit(fee_office())
    attempt = sandbox_pay(payment)
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    deliver_due(force=True)
    assert len(heard) == 1
    call = heard[0]
    assert call["payment"].pk == payment.pk
    assert call["application"].pk == payment.application_id
    assert (call["amount"], call["method"], call["provider"]) == (300, "card", "sandbox")


def test_completed_for_cash_at_the_counter_and_not_for_a_double_click(heard):
    office = fee_office()
    payment = submit(office)
    for _ in range(2):
        services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="300")
    assert [(c["method"], c["provider"]) for c in heard] == [("cash", "counter")]


def test_not_completed_for_a_declined_card(heard):
    payment = submit(fee_office())
    sandbox_pay(payment, outcome="failed")
    deliver_due(force=True)
    assert heard == []


def test_a_failing_subscriber_rolls_the_payment_back():
    """Subscribers run inside the paying transaction: nothing is half recorded."""
    office = fee_office()
    payment = submit(office)

    def broken(**payload):
        raise RuntimeError("boom")

    events.subscribe(services.PAYMENT_COMPLETED, broken)
    try:
        with pytest.raises(RuntimeError):
            services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="300")
    finally:
        events.unsubscribe(services.PAYMENT_COMPLETED, broken)
    payment.refresh_from_db()
    assert payment.status == "payable"


def test_a_lower_app_asks_about_a_fee_through_the_fee_status_hook():
    from madoguchi.payments.selectors import FEE_STATUS

    payment = submit(fee_office())
    answers: list = []
    events.emit(FEE_STATUS, application=payment.application, answers=answers)
    assert [(a["owed"], a["settled"], a["amount"]) for a in answers] == [(True, False, 300)]
    assert answers[0]["pay_url"] == f"/payments/{payment.pk}/"
    attempt = sandbox_pay(payment)
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    answers = []
    events.emit(FEE_STATUS, application=payment.application, answers=answers)
    assert [(a["owed"], a["settled"], a["status"]) for a in answers] == [(False, True, "paid")]
    without_fee: list = []
    events.emit(FEE_STATUS, application=make_application(Office().procedure_a), answers=without_fee)
    assert without_fee == []
