"""The applicant's pages: pay (choose a method), back from the hosted page, the slip, the
receipt. Without JavaScript; a POST carries an idempotency key so a double click pays once."""

from __future__ import annotations

import io
import uuid

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from madoguchi.core.downloads import file_download
from madoguchi.core.errors import DomainError
from madoguchi.payments import selectors, services, slips
from madoguchi.payments.constants import PaymentStatus
from madoguchi.payments.providers import make_provider


def _methods(payment) -> list[dict[str, str]]:
    out = []
    for provider_id in services.providers_for(payment):
        provider = make_provider(provider_id)
        out.append({"id": provider_id, "label": _(provider.label), "hosted": provider.hosted})
    return out


@login_required
@never_cache
def pay(request, payment_id):
    payment = selectors.access_payment(user=request.user, payment_id=payment_id)
    return _pay_page(request, payment)


def _pay_page(request, payment, *, error: str = "", status: int = 200):
    return render(
        request,
        "payments/pay.html",
        {
            "payment": payment,
            "application": payment.application,
            "methods": _methods(payment),
            "idempotency_key": uuid.uuid4().hex,
            "cancelled": request.GET.get("cancelled") == "1",
            "error": error,
            "slip_barcode": slips.konbini_barcode_data(payment) if payment.amount else None,
        },
        status=status,
    )


@login_required
@require_POST
def start(request, payment_id):
    payment = selectors.access_payment(user=request.user, payment_id=payment_id)
    provider_id = request.POST.get("method", "")
    if not provider_id:
        return _pay_page(request, payment, error="method", status=422)
    try:
        attempt = services.checkout_start(
            user=request.user,
            payment_id=payment.pk,
            provider_id=provider_id,
            idempotency_key=request.POST.get("idempotency_key", ""),
            base_url=request.build_absolute_uri("/"),
        )
    except DomainError as exc:
        if exc.code == "already_paid":
            return redirect("payments:pay", payment.pk)
        return _pay_page(request, payment, error=str(exc.message), status=exc.status)
    return redirect(attempt.redirect_url)


@login_required
@never_cache
def back(request, payment_id, attempt_id):
    payment = services.checkout_return(user=request.user, payment_id=payment_id, attempt_id=attempt_id)
    attempt = payment.attempts.get(pk=attempt_id)
    return render(
        request,
        "payments/return.html",
        {"payment": payment, "application": payment.application, "attempt": attempt},
    )


@login_required
@never_cache
def slip(request, payment_id):
    payment = selectors.access_payment(user=request.user, payment_id=payment_id)
    return render(
        request,
        "payments/slip.html",
        {
            "payment": payment,
            "application": payment.application,
            "barcode": slips.konbini_barcode_data(payment),
            "biller": slips.settings.PAYMENT_PAYEASY_BILLER_NUMBER,
        },
    )


def _pdf(content: bytes, name: str) -> FileResponse:
    return file_download(io.BytesIO(content), original_name=name, content_type="application/pdf")


@login_required
@never_cache
def slip_pdf(request, payment_id):
    payment = selectors.access_payment(user=request.user, payment_id=payment_id)
    if payment.status != PaymentStatus.PAYABLE:
        return redirect("payments:pay", payment.pk)
    return _pdf(slips.slip_pdf(payment), f"slip-{payment.application.reference_number}.pdf")


@login_required
@never_cache
def receipt_pdf(request, payment_id):
    payment = selectors.access_payment(user=request.user, payment_id=payment_id)
    if payment.paid_at is None:
        return redirect("payments:pay", payment.pk)
    return _pdf(slips.receipt_pdf(payment), f"receipt-{payment.application.reference_number}.pdf")
