"""The built-in sandbox PSP, for the demo and the tests. It behaves like a real one: a hosted
payment page on its own URL (test cards: success, decline, 3-D Secure challenge), signed
webhooks delivered late, twice and out of order, and refunds. Only this module and the
hosted page's views (``views/sandbox.py``) know it is not a real PSP."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from madoguchi.payments.models import SandboxCheckout, SandboxWebhook
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

SIGNATURE_HEADER = "Sandbox-Signature"
TOLERANCE_SECONDS = 300

# Test cards (digits only; spaces and full-width digits are accepted on the page).
CARD_SUCCESS = "4242424242424242"
CARD_DECLINE = "4000000000000002"
CARD_CHALLENGE = "4000000000003220"
CHALLENGE_CODE = "123456"


def sign(body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    key = (secret or settings.PAYMENT_SANDBOX_WEBHOOK_SECRET).encode()
    mac = hmac.new(key, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify(body: bytes, header: str, *, now: float | None = None) -> None:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError) as exc:
        raise WebhookRejected("malformed signature header") from exc
    expected = sign(body, timestamp=ts).split("v1=", 1)[1]
    if not hmac.compare_digest(given, expected):
        raise WebhookRejected("bad signature")
    if abs((now or time.time()) - ts) > TOLERANCE_SECONDS:
        raise WebhookRejected("timestamp outside the tolerance")


def _event(checkout: SandboxCheckout, event_type: str, *, refund_id: str = "", amount: int = 0) -> dict:
    event_id = f"evt_{checkout.id}_{event_type}" + (f"_{refund_id}" if refund_id else "")
    return {
        "id": event_id,
        "type": event_type,
        "session": checkout.id,
        "reference": checkout.reference,
        "amount": amount or checkout.amount,
        "method": "card",
        "refund": refund_id,
    }


def _queue(event: dict, *, delays: tuple[float, ...]) -> None:
    """Owe the webhook ``len(delays)`` times (a real PSP retries: we get it twice)."""
    now = timezone.now()
    body = json.dumps(event, sort_keys=True)
    for delay in delays:
        SandboxWebhook.objects.create(body=body, deliver_after=now + timedelta(seconds=delay))


def checkout_finish(*, checkout_id: str, outcome: str) -> SandboxCheckout:
    """The hosted page's end: the card succeeded or was declined. Webhooks are owed (late and
    twice); the first is delivered right after commit, the second by the sweep."""
    with transaction.atomic():
        checkout = SandboxCheckout.objects.select_for_update().get(pk=checkout_id)
        if checkout.status in ("succeeded", "failed"):
            return checkout
        checkout.status = outcome
        checkout.save(update_fields=["status"])
        event_type = SUCCEEDED if outcome == "succeeded" else FAILED
        delay = settings.PAYMENT_SANDBOX_WEBHOOK_DELAY_SECONDS
        _queue(_event(checkout, event_type), delays=(delay, delay * 3 + 5))
        if settings.PAYMENT_SANDBOX_DELIVER_ON_COMMIT:
            transaction.on_commit(lambda: deliver_due(force=True, limit=1))
    return checkout


def deliver_due(*, force: bool = False, limit: int = 100) -> int:
    """Deliver owed webhooks (beat task ``payments.sandbox_deliver``). ``force`` ignores the
    delay (the demo's single process). Out of order: rows are picked newest first."""
    from madoguchi.payments.services.checkout import webhook_receive

    rows = SandboxWebhook.objects.filter(delivered_at__isnull=True)
    if not force:
        rows = rows.filter(deliver_after__lte=timezone.now())
    delivered = 0
    for row in list(rows.order_by("-deliver_after")[:limit]):
        claimed = SandboxWebhook.objects.filter(pk=row.pk, delivered_at__isnull=True).update(
            delivered_at=timezone.now(), attempts=row.attempts + 1
        )
        if not claimed:
            continue
        body = row.body.encode()
        webhook_receive(provider_id="sandbox", body=body, headers={SIGNATURE_HEADER: sign(body)})
        delivered += 1
    return delivered


@register("sandbox")
class SandboxProvider:
    id = "sandbox"
    label = gettext_noop("オンライン決済（テスト環境）")  # shown through gettext (the language of the page)
    hosted = True

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart:
        checkout, _created = SandboxCheckout.objects.get_or_create(
            reference=request.attempt_id,
            defaults={
                "id": "cs_sbx_" + secrets.token_hex(12),
                "amount": request.amount,
                "description": request.description[:200],
                "return_url": request.return_url,
                "cancel_url": request.cancel_url,
            },
        )
        return CheckoutStart(
            session_id=checkout.id, redirect_url=reverse("payments:sandbox_checkout", args=[checkout.id])
        )

    def checkout_status(self, session_id: str) -> ProviderEvent | None:
        checkout = SandboxCheckout.objects.filter(pk=session_id).first()
        if checkout is None or checkout.status not in ("succeeded", "failed"):
            return None
        return self._parse(_event(checkout, SUCCEEDED if checkout.status == "succeeded" else FAILED))

    def webhook_parse(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        header = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        if not header:
            raise WebhookRejected("no signature")
        verify(body, header)
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise WebhookRejected("not JSON") from exc
        if data.get("type") not in (SUCCEEDED, FAILED, EXPIRED, REFUNDED):
            return None
        return self._parse(data)

    def _parse(self, data: dict) -> ProviderEvent:
        return ProviderEvent(
            event_id=str(data["id"]),
            type=str(data["type"]),
            session_id=str(data["session"]),
            amount=int(data["amount"]),
            method=str(data.get("method") or "card"),
            refund_id=str(data.get("refund") or ""),
            data={"reference": data.get("reference")},
        )

    def refund(self, *, session_id: str, amount: int, idempotency_key: str) -> str:
        with transaction.atomic():
            checkout = SandboxCheckout.objects.select_for_update().filter(pk=session_id).first()
            if checkout is None or checkout.status != "succeeded":
                raise ProviderError("not a paid session")
            refund_id = "re_sbx_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
            event = _event(checkout, REFUNDED, refund_id=refund_id, amount=amount)
            if SandboxWebhook.objects.filter(body=json.dumps(event, sort_keys=True)).exists():
                return refund_id  # the same refund asked again: once
            if checkout.refunded + amount > checkout.amount:
                raise ProviderError("refund exceeds the amount paid")
            checkout.refunded += amount
            checkout.save(update_fields=["refunded"])
            _queue(event, delays=(settings.PAYMENT_SANDBOX_WEBHOOK_DELAY_SECONDS,))
        return refund_id
