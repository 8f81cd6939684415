"""Konbini through Stripe, end to end through our services: the official ``stripe`` library
pointed at a local stand-in of the Checkout Sessions API (never the internet). A konbini
session completes when the slip is issued (unpaid); the money comes later in
``checkout.session.async_payment_succeeded`` — applied once, with the method konbini."""

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest

from madoguchi.core import events
from madoguchi.payments import services
from madoguchi.payments.constants import AttemptStatus, Method, PaymentStatus
from madoguchi.payments.models import PaymentEvent
from madoguchi.payments.providers.base import WebhookRejected
from madoguchi.payments.testing import fee_office, submit

pytestmark = pytest.mark.django_db

SECRET = "whsec_standin"


class _Sessions(BaseHTTPRequestHandler):
    """A stateful stand-in of POST/GET /v1/checkout/sessions."""

    sessions: dict = {}
    created: list = []
    refunds: dict = {}  # idempotency key → refund (POST /v1/refunds)

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        key = self.headers.get("Idempotency-Key")
        if self.path.startswith("/v1/refunds"):
            refund = _Sessions.refunds.setdefault(
                key,
                {
                    "id": f"re_test_{uuid.uuid4().hex[:10]}",
                    "object": "refund",
                    "amount": int(form["amount"][0]),
                    "payment_intent": form["payment_intent"][0],
                    "status": "succeeded",
                },
            )
            self._json(refund)
            return
        existing = next((s for s in _Sessions.sessions.values() if s["_key"] == key), None)
        if existing is None:
            session_id = f"cs_test_{uuid.uuid4().hex[:10]}"
            existing = {
                "_key": key,
                "id": session_id,
                "object": "checkout.session",
                "url": f"https://checkout.invalid/pay/{session_id}",
                "amount_total": int(form["line_items[0][price_data][unit_amount]"][0]),
                "currency": form["line_items[0][price_data][currency]"][0],
                "payment_method_types": form["payment_method_types[0]"],
                "payment_status": "unpaid",
                "status": "open",
                "payment_intent": f"pi_{session_id}",
                "client_reference_id": form["client_reference_id"][0],
            }
            _Sessions.sessions[session_id] = existing
            _Sessions.created.append(form)
        self._json(existing)

    def do_GET(self):  # noqa: N802
        session_id = self.path.rstrip("/").split("/")[-1]
        self._json(_Sessions.sessions[session_id])

    def _json(self, data):
        body = json.dumps({k: v for k, v in data.items() if not k.startswith("_")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stripe_konbini(settings):
    server = HTTPServer(("127.0.0.1", 0), _Sessions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PAYMENT_PROVIDERS = ["stripe", "slip"]
    settings.STRIPE_SECRET_KEY = "sk_test_standin"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_PAYMENT_METHOD_TYPES = ["konbini"]
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_port}"
    _Sessions.sessions, _Sessions.created, _Sessions.refunds = {}, [], {}
    yield _Sessions
    server.shutdown()
    server.server_close()


def _webhook(kind: str, session: dict, event_id: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "data": {"object": {k: v for k, v in session.items() if not k.startswith("_")}},
        }
    ).encode()
    ts = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={ts},v1={mac}"}


def _start(payment):
    return services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="stripe", idempotency_key="konbini-1"
    )


def test_konbini_is_paid_when_the_async_payment_succeeds_once(stripe_konbini):
    payment = submit(fee_office(amount=2000))
    attempt = _start(payment)
    assert attempt.redirect_url.startswith("https://checkout.invalid/pay/")
    form = stripe_konbini.created[0]
    assert form["payment_method_types[0]"] == ["konbini"]
    assert form["line_items[0][price_data][unit_amount]"] == ["2000"]  # the server's amount, in yen
    assert form["line_items[0][price_data][currency]"] == ["jpy"]
    session = stripe_konbini.sessions[attempt.provider_session_id]

    # The applicant chose a convenience store: the session completes, the slip is issued, unpaid.
    session.update(status="complete", payment_status="unpaid")
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    body, headers = _webhook("checkout.session.completed", session, "evt_c")
    assert not services.webhook_receive(provider_id="stripe", body=body, headers=headers)
    payment.refresh_from_db()
    attempt.refresh_from_db()
    assert payment.status == PaymentStatus.PAYABLE and attempt.status == AttemptStatus.OPEN

    # Days later, paid at the store: Stripe says so (twice).
    heard = []

    def handler(**kw):
        heard.append(kw)

    events.subscribe(services.PAYMENT_COMPLETED, handler)
    try:
        session.update(payment_status="paid")
        body, headers = _webhook("checkout.session.async_payment_succeeded", session, "evt_paid")
        assert services.webhook_receive(provider_id="stripe", body=body, headers=headers)
        assert not services.webhook_receive(provider_id="stripe", body=body, headers=headers)
        # The applicant's return page asking Stripe again changes nothing either.
        services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    finally:
        events.unsubscribe(services.PAYMENT_COMPLETED, handler)
    payment.refresh_from_db()
    assert (payment.status, payment.method, payment.paid_amount) == (PaymentStatus.PAID, Method.KONBINI, 2000)
    assert len(heard) == 1 and heard[0]["method"] == Method.KONBINI
    assert PaymentEvent.objects.filter(payment=payment, kind="succeeded").count() == 1


def test_a_konbini_payment_that_failed_leaves_the_fee_payable(stripe_konbini):
    payment = submit(fee_office(amount=2000))
    attempt = _start(payment)
    session = stripe_konbini.sessions[attempt.provider_session_id]
    body, headers = _webhook("checkout.session.async_payment_failed", session, "evt_failed")
    assert services.webhook_receive(provider_id="stripe", body=body, headers=headers)
    payment.refresh_from_db()
    attempt.refresh_from_db()
    assert payment.status == PaymentStatus.PAYABLE and attempt.status == AttemptStatus.FAILED
    again = services.checkout_start(
        user=payment.applicant, payment_id=payment.pk, provider_id="stripe", idempotency_key="konbini-2"
    )
    assert again.pk != attempt.pk and len(stripe_konbini.created) == 2


def test_a_forged_konbini_webhook_is_refused(stripe_konbini):
    payment = submit(fee_office(amount=2000))
    attempt = _start(payment)
    session = dict(stripe_konbini.sessions[attempt.provider_session_id], payment_status="paid")
    body, headers = _webhook("checkout.session.async_payment_succeeded", session, "evt_forged")
    with pytest.raises(WebhookRejected):
        services.webhook_receive(provider_id="stripe", body=body.replace(b"2000", b"20"), headers=headers)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAYABLE


def test_a_konbini_amount_other_than_ours_is_not_a_payment(stripe_konbini):
    payment = submit(fee_office(amount=2000))
    attempt = _start(payment)
    session = dict(
        stripe_konbini.sessions[attempt.provider_session_id], payment_status="paid", amount_total=20
    )
    body, headers = _webhook("checkout.session.async_payment_succeeded", session, "evt_low")
    assert not services.webhook_receive(provider_id="stripe", body=body, headers=headers)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAYABLE


def test_a_stripe_refund_is_asked_once_with_our_key_and_amount_after_four_eyes(stripe_konbini):
    office = fee_office(amount=2000)
    payment = submit(office)
    attempt = _start(payment)
    session = stripe_konbini.sessions[attempt.provider_session_id]
    session.update(status="complete", payment_status="paid")
    body, headers = _webhook("checkout.session.async_payment_succeeded", session, "evt_paid_r")
    assert services.webhook_receive(provider_id="stripe", body=body, headers=headers)
    refund = services.refund_request(
        user=office.reviewer_a, payment_id=payment.pk, amount="500", reason="一部"
    )
    services.refund_approve(user=office.approver_a, refund_id=refund.pk)
    services.refund_approve(user=office.approver_a, refund_id=refund.pk)  # a double click
    assert list(stripe_konbini.refunds) == [f"refund_{refund.pk}"]
    sent = stripe_konbini.refunds[f"refund_{refund.pk}"]
    assert (sent["amount"], sent["payment_intent"]) == (500, session["payment_intent"])
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.provider_refund_id == sent["id"] and payment.refunded_amount == 500
