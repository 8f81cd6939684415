"""JSON door to the applicant's fees (same services as the pages):

- ``GET /api/v1/payments``: my payments;
- ``GET /api/v1/payments/{id}``: one of them (404 for anyone else's);
- ``POST /api/v1/payments/{id}/checkout``: start paying with a provider; the answer carries the
  URL of the hosted page (or the slip). ``idempotency_key`` makes a retry start one checkout.
"""

from __future__ import annotations

from datetime import date

from ninja import Field, Router, Schema, Status

from madoguchi.accounts.apiauth import require_user
from madoguchi.payments import selectors, services
from madoguchi.payments.models import Payment

router = Router(tags=["payments"])


class PaymentOut(Schema):
    id: str
    application: str
    reference_number: str
    procedure: str
    status: str
    amount: int | None
    amount_reason: str
    due_on: date | None
    paid_amount: int
    refunded_amount: int
    methods: list[str]


class CheckoutIn(Schema):
    provider: str = Field(max_length=30)
    idempotency_key: str = Field(default="", max_length=100)


class CheckoutOut(Schema):
    attempt: str
    provider: str
    amount: int
    redirect_url: str


def _out(payment: Payment) -> dict:
    return {
        "id": str(payment.pk),
        "application": str(payment.application_id),
        "reference_number": payment.application.reference_number,
        "procedure": payment.procedure.title,
        "status": payment.status,
        "amount": payment.amount,
        "amount_reason": payment.amount_reason,
        "due_on": payment.due_on,
        "paid_amount": payment.paid_amount,
        "refunded_amount": payment.refunded_amount,
        "methods": services.providers_for(payment),
    }


@router.get("/payments", response=list[PaymentOut], summary="自分の手数料の一覧 / My fees")
def payment_list(request):
    user = require_user(request)
    payments = Payment.objects.filter(applicant=user).select_related("application", "procedure")[:200]
    return [_out(p) for p in payments]


@router.get("/payments/{payment_id}", response=PaymentOut, summary="手数料を読む / One fee")
def payment_detail(request, payment_id: str):
    return _out(selectors.access_payment(user=require_user(request), payment_id=payment_id))


@router.post(
    "/payments/{payment_id}/checkout",
    response={201: CheckoutOut},
    summary="手数料の支払いを始める / Start paying (hosted page or slip)",
)
def checkout(request, payment_id: str, payload: CheckoutIn):
    user = require_user(request)
    payment = selectors.access_payment(user=user, payment_id=payment_id)
    attempt = services.checkout_start(
        user=user,
        payment_id=payment.pk,
        provider_id=payload.provider,
        idempotency_key=payload.idempotency_key,
        base_url=request.build_absolute_uri("/"),
    )
    url = attempt.redirect_url
    if url.startswith("/"):
        url = request.build_absolute_uri(url)
    return Status(
        201,
        {
            "attempt": str(attempt.pk),
            "provider": attempt.provider,
            "amount": attempt.amount,
            "redirect_url": url,
        },
    )
