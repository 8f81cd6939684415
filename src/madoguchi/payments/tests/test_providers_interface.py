"""Every provider satisfies the interface; Stripe is tested against a local stand-in of the few
endpoints used and with the library's own webhook signatures (never the internet)."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from madoguchi.payments.providers import make_provider, registered
from madoguchi.payments.providers.base import SUCCEEDED, CheckoutRequest, PaymentProvider, WebhookRejected


@pytest.mark.parametrize("provider_id", ["sandbox", "stripe", "slip"])
def test_each_provider_satisfies_the_interface(provider_id):
    provider = make_provider(provider_id)
    assert isinstance(provider, PaymentProvider)
    assert provider.id == provider_id and provider.label and isinstance(provider.hosted, bool)


def test_the_registry_knows_all_three():
    assert {"sandbox", "stripe", "slip"} <= set(registered())


def _stripe_signature(body: bytes, secret: str) -> str:
    ts = int(time.time())
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def _event(kind="checkout.session.completed", status="paid"):
    return {
        "id": "evt_1",
        "object": "event",
        "type": kind,
        "data": {
            "object": {
                "id": "cs_test_1",
                "object": "checkout.session",
                "payment_status": status,
                "amount_total": 300,
                "payment_method_types": ["card"],
                "payment_intent": "pi_1",
            }
        },
    }


def test_stripe_webhooks_are_verified_by_the_library(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    provider = make_provider("stripe")
    body = json.dumps(_event()).encode()
    event = provider.webhook_parse(body, {"Stripe-Signature": _stripe_signature(body, "whsec_test")})
    assert event is not None
    assert (event.event_id, event.type, event.session_id, event.amount) == (
        "evt_1",
        SUCCEEDED,
        "cs_test_1",
        300,
    )
    with pytest.raises(WebhookRejected):
        provider.webhook_parse(body, {"Stripe-Signature": _stripe_signature(body, "whsec_other")})
    with pytest.raises(WebhookRejected):
        provider.webhook_parse(body, {})


def test_a_konbini_session_completed_but_unpaid_is_not_a_payment(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    body = json.dumps(_event(status="unpaid")).encode()
    provider = make_provider("stripe")
    assert provider.webhook_parse(body, {"Stripe-Signature": _stripe_signature(body, "whsec_test")}) is None


class _StandIn(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        _StandIn.requests.append(
            (self.path, self.rfile.read(length).decode(), self.headers.get("Idempotency-Key"))
        )
        self._json(
            {"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.invalid/pay/cs_test_1"}
        )

    def do_GET(self):  # noqa: N802
        self._json(
            {
                "id": "cs_test_1",
                "object": "checkout.session",
                "payment_status": "paid",
                "amount_total": 300,
                "payment_method_types": ["card"],
                "status": "complete",
            }
        )

    def _json(self, data):
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in(settings):
    server = HTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_standin"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_port}"
    _StandIn.requests = []
    yield _StandIn
    server.shutdown()
    server.server_close()


def test_stripe_checkout_sends_our_amount_in_yen_with_an_idempotency_key(stand_in):
    provider = make_provider("stripe")
    start = provider.checkout_start(
        CheckoutRequest(
            payment_id="p1",
            attempt_id="a1",
            amount=300,
            description="住民票",
            return_url="https://x.invalid/r",
            cancel_url="https://x.invalid/c",
            idempotency_key="checkout_a1",
        )
    )
    assert start.session_id == "cs_test_1" and start.redirect_url.endswith("cs_test_1")
    path, body, key = stand_in.requests[0]
    assert path == "/v1/checkout/sessions" and key == "checkout_a1"
    assert "[unit_amount]=300" in body and "[currency]=jpy" in body
    event = provider.checkout_status("cs_test_1")
    assert event is not None and event.type == SUCCEEDED and event.amount == 300
