"""A fee becomes paid — by a provider's event, a reconciled slip, cash at the counter, or a
減免 to nothing — in one place (``mark_paid``, ``waive``), which announces ``payment.completed``
and lets an application waiting for its fee be received."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.types import Actor, User
from madoguchi.applications import services as applications
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.timeline import Line
from madoguchi.audit.services import audit_batch, audit_record
from madoguchi.core import events
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.payments import notify
from madoguchi.payments.constants import EventKind, Method, PaymentStatus
from madoguchi.payments.models import Payment
from madoguchi.payments.services._common import CASHIER_ROLES, ledger, staff_can, timeline
from madoguchi.payments.services.fees import to_int

# The public event of a fee paid in full (payload: payment, application, amount, method, provider).
PAYMENT_COMPLETED = "payment.completed"


def waive(payment: Payment, *, actor: Actor) -> None:
    """A fee reduced to nothing (全額免除): settled without money, announced like a payment."""
    payment.status = PaymentStatus.PAID
    payment.paid_at = timezone.now()
    payment.paid_amount = 0
    payment.provider = "exemption"
    payment.method = Method.EXEMPT
    payment.save(update_fields=["status", "paid_at", "paid_amount", "provider", "method", "updated_at"])
    audit_record(
        actor=actor or "system",
        action="payment.waived",
        target=payment,
        after={"status": payment.status, "reduction": payment.reduction_label},
    )
    timeline(
        payment,
        Line(gettext_noop("手数料は減免（%(label)s）により免除されました。"), label=payment.reduction_label),
        actor=actor,
    )
    _completed(payment, amount=0, method=Method.EXEMPT, provider="exemption", actor=actor)


def mark_paid(
    payment: Payment, *, amount: int, provider: str, method: str, actor: Actor, **data: Any
) -> None:
    """The one place a payment becomes paid (caller holds the row lock, has checked the state).
    Its audit entries (the payment's, the timeline's, an application received now) are chained
    together at the end, so the audit chain's head is locked once, for the last statements."""
    with audit_batch():
        _mark_paid(payment, amount=amount, provider=provider, method=method, actor=actor, **data)


def _mark_paid(
    payment: Payment, *, amount: int, provider: str, method: str, actor: Actor, **data: Any
) -> None:
    before = payment.status
    payment.status = PaymentStatus.PAID
    payment.paid_at = timezone.now()
    payment.paid_amount = amount
    payment.provider = provider
    payment.method = method
    payment.save(update_fields=["status", "paid_at", "paid_amount", "provider", "method", "updated_at"])
    audit_record(
        actor=actor or "system",
        action="payment.paid",
        target=payment,
        before={"status": before},
        after={"status": payment.status, "amount": amount, "provider": provider, "method": method, **data},
    )
    timeline(
        payment,
        Line(gettext_noop("手数料 %(amount)s円の納付を確認しました。"), amount=f"{amount:,}"),
        actor=actor,
    )
    notify.notify_applicant(payment, "payment.paid")
    _completed(payment, amount=amount, method=method, provider=provider, actor=actor)


def _completed(payment: Payment, *, amount: int, method: str, provider: str, actor: Actor) -> None:
    # An application waiting for its fee is received now (applications opens the case and
    # sends the receipt after the commit). At submission (a fee waived in full) the
    # application is not saved yet and never waits.
    application = payment.application
    if application.status == ApplicationStatus.AWAITING_PAYMENT:
        applications.application_payment_received(application=application, actor=actor or "system")
    # Public hook (docs/payments.md, "Hooks"): higher apps react to a fee being paid (e.g. the
    # S13 受験票). Once per payment: called only when a payable/expired payment becomes paid,
    # under its row lock, inside the transaction that records the money.
    events.emit(
        PAYMENT_COMPLETED,
        payment=payment,
        application=payment.application,
        amount=amount,
        method=method,
        provider=provider,
    )


def payment_record_cash(*, user: User, payment_id: uuid.UUID | str, amount: Any, note: str = "") -> Payment:
    """Counter staff record a fee paid in cash (it counts against the キャッシュレス比率)."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("procedure", "application")
            .filter(pk=payment_id)
            .first()
        )
        if payment is None or not staff_can(user, payment, CASHIER_ROLES):
            raise Http404
        value = to_int(amount)
        if payment.status == PaymentStatus.PAID:
            return payment  # recorded already (a double click)
        if payment.status not in (PaymentStatus.PAYABLE, PaymentStatus.EXPIRED):
            raise DomainError(_("この請求は現金で受け取れる状態ではありません。"), code="not_payable")
        if value != payment.amount:
            raise FieldErrors(
                {
                    "amount": [
                        _("請求額（%(amount)s円）と同じ額を入力してください。")
                        % {"amount": f"{payment.amount:,}"}
                    ]
                }
            )
        assert value is not None
        ledger(payment, EventKind.CASH_RECORDED, actor=user, amount=value, note=note[:500])
        mark_paid(payment, amount=value, provider="counter", method=Method.CASH, actor=user, note=note[:500])
    return payment
