"""Stripe Checkout through the official ``stripe`` library: a hosted page (cards, and the
Japanese methods Stripe offers such as konbini), webhooks verified with the library's own
signature check. Enabled by ``PAYMENT_PROVIDERS`` containing ``stripe`` and
``STRIPE_SECRET_KEY``/``STRIPE_WEBHOOK_SECRET``; ``STRIPE_API_BASE`` points the library at a
local stand-in in tests (never the internet)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext_noop

from madoguchi.payments.providers import register
from madoguchi.payments.providers.base import (
    EXPIRED,
    FAILED,
    REFUNDED,
    SUCCEEDED,
    CheckoutRequest,
    CheckoutStart,
    ProviderError,
    ProviderEvent,
    WebhookRejected,
)

# Stripe event type → our event type.
EVENT_TYPES = {
    "checkout.session.completed": SUCCEEDED,
    "checkout.session.async_payment_succeeded": SUCCEEDED,
    "checkout.session.async_payment_failed": FAILED,
    "checkout.session.expired": EXPIRED,
    "charge.refunded": REFUNDED,
}
METHODS = {"card": "card", "konbini": "konbini", "customer_balance": "payeasy", "paypay": "emoney"}


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise ProviderError("STRIPE_SECRET_KEY is not set")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=2)  # type: ignore[arg-type]


def _get(obj: Any, key: str, default: Any = None) -> Any:
    try:
        return obj[key]
    except (KeyError, TypeError):
        return default


@register("stripe")
class StripeCheckoutProvider:
    id = "stripe"
    label = gettext_noop(
        "クレジットカード・コンビニ（Stripe）"
    )  # shown through gettext (the language of the page)
    hosted = True

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart:
        params: Any = {
            "mode": "payment",
            "payment_method_types": list(settings.STRIPE_PAYMENT_METHOD_TYPES),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "jpy",  # zero-decimal: the amount is in yen
                        "unit_amount": request.amount,
                        "product_data": {"name": request.description[:200]},
                    },
                }
            ],
            "client_reference_id": request.attempt_id,
            "metadata": {"payment": request.payment_id, "attempt": request.attempt_id},
            "success_url": request.return_url,
            "cancel_url": request.cancel_url,
            **({"customer_email": request.email} if request.email else {}),
        }
        try:
            session = _client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc
        return CheckoutStart(session_id=session.id, redirect_url=str(session.url))

    def checkout_status(self, session_id: str) -> ProviderEvent | None:
        try:
            session = _client().v1.checkout.sessions.retrieve(session_id)
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc
        if _get(session, "payment_status") == "paid":
            return ProviderEvent(
                event_id=f"session_paid_{session.id}",
                type=SUCCEEDED,
                session_id=session.id,
                amount=int(_get(session, "amount_total") or 0),
                method=self._method(session),
                data={"payment_intent": _get(session, "payment_intent")},
            )
        if _get(session, "status") == "expired":
            return ProviderEvent(
                event_id=f"session_expired_{session.id}", type=EXPIRED, session_id=session.id, amount=0
            )
        return None

    def webhook_parse(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        header = next((v for k, v in headers.items() if k.lower() == "stripe-signature"), None)
        try:
            event = stripe.Webhook.construct_event(body, header, settings.STRIPE_WEBHOOK_SECRET)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise WebhookRejected(str(exc)) from exc
        kind = EVENT_TYPES.get(event["type"])
        if kind is None:
            return None
        obj = event["data"]["object"]
        if kind == SUCCEEDED and _get(obj, "payment_status") != "paid":
            return None  # konbini: completed means "slip issued"; paid comes later
        if kind == REFUNDED:
            return ProviderEvent(
                event_id=event["id"],
                type=REFUNDED,
                session_id=str(_get(obj, "payment_intent") or ""),
                amount=int(_get(obj, "amount_refunded") or 0),
                refund_id=str(_get(obj, "id") or ""),
            )
        return ProviderEvent(
            event_id=event["id"],
            type=kind,
            session_id=str(obj["id"]),
            amount=int(_get(obj, "amount_total") or 0),
            method=self._method(obj),
            data={"payment_intent": _get(obj, "payment_intent")},
        )

    def _method(self, session: Any) -> str:
        types = _get(session, "payment_method_types") or ["card"]
        return METHODS.get(types[0], "card") if len(types) == 1 else "card"

    def refund(self, *, session_id: str, amount: int, idempotency_key: str) -> str:
        client = _client()
        try:
            session = client.v1.checkout.sessions.retrieve(session_id)
            refund = client.v1.refunds.create(
                params={"payment_intent": str(_get(session, "payment_intent")), "amount": amount},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc
        return str(refund.id)
