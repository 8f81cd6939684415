"""Checkouts and provider events: exactly once, whatever the order, replays, forgeries."""

import json

import pytest
from django.http import Http404

from madoguchi.core.errors import DomainError
from madoguchi.core.testing import make_user
from madoguchi.payments import services
from madoguchi.payments.constants import AttemptStatus, EventKind, PaymentStatus
from madoguchi.payments.models import PaymentAttempt, PaymentEvent, SandboxCheckout, SandboxWebhook
from madoguchi.payments.providers.base import WebhookRejected
from madoguchi.payments.providers.sandbox import deliver_due, sign
from madoguchi.payments.testing import fee_office, sandbox_pay, signed_webhook, submit

pytestmark = pytest.mark.django_db


def test_a_double_click_starts_one_checkout():
    payment = submit(fee_office())
    first = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="same"
    )
    second = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="same"
    )
    assert first.pk == second.pk and first.redirect_url == second.redirect_url
    assert PaymentAttempt.objects.filter(payment=payment).count() == 1
    assert SandboxCheckout.objects.count() == 1


def test_someone_else_cannot_pay_or_see_my_payment():
    payment = submit(fee_office())
    with pytest.raises(Http404):
        services.checkout_start(
            user=make_user(), payment_id=payment.pk, provider_id="sandbox", idempotency_key="x"
        )


def test_the_checkout_asks_the_provider_for_the_payments_amount():
    payment = submit(fee_office())
    attempt = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="k"
    )
    assert SandboxCheckout.objects.get(pk=attempt.provider_session_id).amount == 300


def test_webhook_delivered_twice_and_the_return_apply_once():
    payment = submit(fee_office())
    attempt = sandbox_pay(payment)
    assert SandboxWebhook.objects.count() == 2  # the sandbox owes it twice
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    assert deliver_due(force=True) == 2
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.paid_amount == 300
    assert PaymentEvent.objects.filter(payment=payment, kind=EventKind.SUCCEEDED).count() == 1
    assert payment.application.events.filter(kind="payment").count() == 1


def test_a_declined_card_leaves_the_fee_payable_and_a_new_attempt_can_succeed():
    payment = submit(fee_office())
    failed = sandbox_pay(payment, outcome="failed", key="a")
    deliver_due(force=True)
    failed.refresh_from_db()
    payment.refresh_from_db()
    assert failed.status == AttemptStatus.FAILED and payment.status == PaymentStatus.PAYABLE
    sandbox_pay(payment, key="b")
    deliver_due(force=True)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_a_late_failure_after_success_changes_nothing():
    payment = submit(fee_office())
    attempt = sandbox_pay(payment)
    deliver_due(force=True)
    body, headers = signed_webhook(
        {"id": "evt_late", "type": "failed", "session": attempt.provider_session_id, "amount": 300}
    )
    assert services.webhook_receive(provider_id="sandbox", body=body, headers=headers) is False
    payment.refresh_from_db()
    attempt.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and attempt.status == AttemptStatus.SUCCEEDED


def test_a_forged_webhook_is_rejected_before_anything_changes():
    payment = submit(fee_office())
    attempt = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="k"
    )
    body = json.dumps(
        {"id": "evt_forged", "type": "succeeded", "session": attempt.provider_session_id, "amount": 300}
    ).encode()
    for headers in (
        {},
        {"Sandbox-Signature": sign(body, secret="wrong")},
        {"Sandbox-Signature": sign(body, timestamp=1)},
    ):
        with pytest.raises(WebhookRejected):
            services.webhook_receive(provider_id="sandbox", body=body, headers=headers)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAYABLE


def test_the_webhook_door_answers_400_to_a_forgery_and_200_to_a_replay(client):
    payment = submit(fee_office())
    attempt = sandbox_pay(payment)
    webhook = SandboxWebhook.objects.first()
    body = webhook.body.encode()
    url = "/payments/webhooks/sandbox/"
    assert (
        client.post(
            url, body, content_type="application/json", HTTP_SANDBOX_SIGNATURE="t=1,v1=00"
        ).status_code
        == 400
    )
    for _ in range(2):
        response = client.post(url, body, content_type="application/json", HTTP_SANDBOX_SIGNATURE=sign(body))
        assert response.status_code == 200
    assert PaymentEvent.objects.filter(attempt=attempt, kind=EventKind.SUCCEEDED).count() == 1


def test_a_succeeded_event_with_another_amount_is_not_accepted():
    payment = submit(fee_office())
    attempt = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="k"
    )
    body, headers = signed_webhook(
        {"id": "evt_1", "type": "succeeded", "session": attempt.provider_session_id, "amount": 1}
    )
    services.webhook_receive(provider_id="sandbox", body=body, headers=headers)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAYABLE


def test_back_or_a_second_tab_offers_the_same_open_checkout():
    payment = submit(fee_office())
    first = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="tab1"
    )
    second = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="tab2"
    )
    assert second.pk == first.pk and second.redirect_url == first.redirect_url
    assert SandboxCheckout.objects.count() == 1


def test_a_checkout_declined_is_not_offered_again():
    payment = submit(fee_office())
    declined = sandbox_pay(payment, outcome="failed", key="first")
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=declined.pk)
    again = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="second"
    )
    assert again.pk != declined.pk and again.status == AttemptStatus.OPEN


def test_paying_twice_keeps_the_first_and_records_the_second_for_a_refund():
    from datetime import timedelta

    from django.utils import timezone

    from madoguchi.audit.models import AuditEntry

    payment = submit(fee_office())
    first = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="tab1"
    )
    # an hour later (no longer offered again), the applicant starts another one and pays both
    PaymentAttempt.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=1))
    second = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="tab2"
    )
    assert second.pk != first.pk
    from madoguchi.payments.providers.sandbox import checkout_finish

    checkout_finish(checkout_id=first.provider_session_id, outcome="succeeded")
    checkout_finish(checkout_id=second.provider_session_id, outcome="succeeded")
    deliver_due(force=True)
    payment.refresh_from_db()
    assert payment.paid_amount == 300
    assert AuditEntry.objects.filter(action="payment.paid_twice", target_id=str(payment.pk)).count() == 1
    from madoguchi.payments.selectors import staff_payments

    assert list(staff_payments(user=_superuser(), filters={"status": "problems"})) == [payment]


def _superuser():
    from madoguchi.core.testing import make_user

    return make_user(is_superuser=True)


def test_a_paid_fee_cannot_start_another_checkout():
    payment = submit(fee_office())
    attempt = sandbox_pay(payment)
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    with pytest.raises(DomainError) as refused:
        services.checkout_start(
            user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="new"
        )
    assert refused.value.code == "already_paid"


def test_a_replayed_webhook_is_recognised_by_one_read_before_anything_is_locked(django_assert_num_queries):
    payment = submit(fee_office())
    attempt = sandbox_pay(payment)
    body, headers = signed_webhook(
        {"id": "evt_once", "type": "succeeded", "session": attempt.provider_session_id, "amount": 300}
    )
    assert services.webhook_receive(provider_id="sandbox", body=body, headers=headers) is True
    with django_assert_num_queries(1) as captured:  # the ledger lookup by the provider's event id
        assert services.webhook_receive(provider_id="sandbox", body=body, headers=headers) is False
    assert "provider_event_id" in captured.captured_queries[0]["sql"]
    assert PaymentEvent.objects.filter(provider_event_id="evt_once").count() == 1


def test_the_return_after_the_webhook_applies_nothing_and_locks_nothing(django_assert_num_queries):
    payment = submit(fee_office())
    attempt = sandbox_pay(payment)
    deliver_due(force=True)
    # the attempt read (already settled: the PSP is not asked), then the payment for the page
    with django_assert_num_queries(2):
        services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)


def test_a_repeated_checkout_request_is_answered_from_one_read(django_assert_num_queries):
    payment = submit(fee_office())
    first = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="retry"
    )
    with django_assert_num_queries(1):
        again = services.checkout_start(
            user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="retry"
        )
    assert again.pk == first.pk and again.redirect_url == first.redirect_url


def test_a_replayed_key_of_someone_else_finds_nothing():
    payment = submit(fee_office())
    services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="mine"
    )
    with pytest.raises(Http404):
        services.checkout_start(
            user=make_user(), payment_id=payment.pk, provider_id="sandbox", idempotency_key="mine"
        )
