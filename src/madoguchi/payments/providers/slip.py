"""The payment slip (納付書): a PDF with the コンビニ収納 GS1-128 barcode and the Pay-easy
numbers. Nothing happens online: the collection agent's daily result file, imported by staff,
tells what was paid (services/reconciliation.py)."""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils.translation import gettext_noop

from madoguchi.payments.providers import register
from madoguchi.payments.providers.base import (
    CheckoutRequest,
    CheckoutStart,
    ProviderEvent,
    WebhookRejected,
)


@register("slip")
class SlipProvider:
    id = "slip"
    label = gettext_noop("納付書（コンビニ・ペイジー）")  # shown through gettext (the language of the page)
    hosted = False

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart:
        return CheckoutStart(
            session_id=f"slip_{request.attempt_id}",
            redirect_url=reverse("payments:slip", args=[request.payment_id]),
        )

    def checkout_status(self, session_id: str) -> ProviderEvent | None:
        return None  # known only from the collection agent's result file

    def webhook_parse(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        raise WebhookRejected("the slip provider sends no webhooks")

    def refund(self, *, session_id: str, amount: int, idempotency_key: str) -> str:
        # Paid in cash at a store or by Pay-easy: refunded by bank transfer (口座振込) by the
        # accounting office; the refund is recorded here.
        return f"manual_{idempotency_key}"[:200]
