"""Test helpers of payments (kept here; core/testing.py is shared by everyone today)."""

from __future__ import annotations

import json
from typing import Any

from madoguchi.payments.models import Payment, PaymentAttempt
from madoguchi.procedures.constants import FeeKind
from madoguchi.review.testing import Office, make_application


def fee_office(*, kind: str = FeeKind.FIXED, amount: int | None = 300, **setting: Any) -> Office:
    from madoguchi.payments.models import FeeSetting
    from madoguchi.payments.services import fee_schedule_sync

    office = Office()
    office.procedure_a.fee_kind = kind
    office.procedure_a.fee_amount = amount if kind == FeeKind.FIXED else None
    office.procedure_a.save(update_fields=["fee_kind", "fee_amount"])
    FeeSetting.objects.create(
        procedure=office.procedure_a, revenue_code="1401", revenue_name="証明手数料", **setting
    )
    fee_schedule_sync(procedure=office.procedure_a)  # the version's frozen fee
    return office


def submit(office: Office, applicant=None, data: dict[str, Any] | None = None) -> Payment:
    application = make_application(office.procedure_a, applicant=applicant, data=data)
    return Payment.objects.get(application=application)


def sandbox_pay(payment: Payment, *, outcome: str = "succeeded", key: str = "k1") -> PaymentAttempt:
    """Start a sandbox checkout as the applicant and finish the hosted page (no webhook yet)."""
    from madoguchi.payments.models import SandboxCheckout
    from madoguchi.payments.providers.sandbox import checkout_finish
    from madoguchi.payments.services import checkout_start

    attempt = checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key=key
    )
    checkout = SandboxCheckout.objects.get(pk=attempt.provider_session_id)
    checkout_finish(checkout_id=checkout.pk, outcome=outcome)
    return attempt


def signed_webhook(event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    from madoguchi.payments.providers.sandbox import SIGNATURE_HEADER, sign

    body = json.dumps(event).encode()
    return body, {SIGNATURE_HEADER: sign(body)}
