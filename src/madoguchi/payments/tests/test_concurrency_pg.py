"""Exactly once under real concurrency (PostgreSQL row locks, one connection per thread): the
webhook delivered twice and the applicant's return arriving together; two approvers clicking
the same refund; the same result file imported twice at once.

Run with: DATABASE_URL=postgres://postgres@127.0.0.1:5432/madoguchi_payments python -m pytest \
    src/madoguchi/payments/tests/test_concurrency_pg.py
"""

from __future__ import annotations

import pytest
from django.conf import settings

from madoguchi.applications.tests.test_concurrency_submit import run_at_once
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify
from madoguchi.payments import services
from madoguchi.payments.constants import EventKind, PaymentStatus
from madoguchi.payments.models import CollectionImport, Payment, PaymentEvent, SandboxWebhook
from madoguchi.payments.providers.sandbox import SIGNATURE_HEADER, sign
from madoguchi.payments.testing import fee_office, sandbox_pay, submit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_webhooks_and_returns_at_the_same_time_mark_the_payment_paid_once():
    payment = submit(fee_office())
    attempt = sandbox_pay(payment)
    bodies = [w.body.encode() for w in SandboxWebhook.objects.all()]

    def webhook(body: bytes):
        return lambda: services.webhook_receive(
            provider_id="sandbox", body=body, headers={SIGNATURE_HEADER: sign(body)}
        )

    def back():
        return services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)

    run_at_once([webhook(b) for b in bodies] * 2 + [back] * 4)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.paid_amount == 300
    assert PaymentEvent.objects.filter(payment=payment, kind=EventKind.SUCCEEDED).count() == 1
    assert AuditEntry.objects.filter(action="payment.paid", target_id=str(payment.pk)).count() == 1
    assert audit_verify()[0]


def test_two_approvers_clicking_the_same_refund_refund_once():
    office = fee_office()
    payment = submit(office)
    attempt = sandbox_pay(payment)
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    refund = services.refund_request(
        user=office.reviewer_a, payment_id=payment.pk, amount="300", reason="取下げ"
    )
    run_at_once(
        [lambda: services.refund_approve(user=office.approver_a, refund_id=refund.pk)] * 3
        + [lambda: services.refund_approve(user=office.deputy_a, refund_id=refund.pk)] * 3
    )
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.refunded_amount == 300 and payment.status == PaymentStatus.REFUNDED
    assert PaymentEvent.objects.filter(payment=payment, kind=EventKind.REFUNDED).count() == 1


def test_the_same_result_file_imported_twice_at_once_counts_once():
    office = fee_office()
    payment = submit(office)
    raw = f"収納日,お客様番号,金額\n2026-12-01,{payment.customer_number},300\n".encode()
    run_at_once(
        [
            lambda: services.collection_import(
                user=office.centre, organization=office.org, raw=raw, name="a.csv"
            )
        ]
        * 4
    )
    assert CollectionImport.objects.count() == 1
    assert PaymentEvent.objects.filter(payment=payment, kind=EventKind.RECONCILED).count() == 1


def test_a_replayed_webhook_does_not_wait_for_the_payments_lock():
    """Someone holds the payment's row lock (a payment being applied, a refund); the replay of
    an event already in the ledger answers without waiting for it."""
    import threading

    from django.db import connection, transaction

    payment = submit(fee_office())
    sandbox_pay(payment)
    body = SandboxWebhook.objects.first().body.encode()
    headers = {SIGNATURE_HEADER: sign(body)}
    assert services.webhook_receive(provider_id="sandbox", body=body, headers=headers) is True
    locked, done = threading.Event(), threading.Event()
    held_until_done: list[bool] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                Payment.objects.select_for_update().get(pk=payment.pk)
                locked.set()
                held_until_done.append(done.wait(timeout=60))  # False: the replay waited for us
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(timeout=60)
    try:
        assert services.webhook_receive(provider_id="sandbox", body=body, headers=headers) is False
    finally:
        done.set()
        thread.join(timeout=90)
    assert held_until_done == [True]
