"""Refunds (還付): full or partial, with a reason, asked by one staff member and approved by
another (four eyes: the service refuses, and a database constraint would too)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.payments import notify
from madoguchi.payments.constants import AttemptStatus, EventKind, PaymentStatus, RefundStatus
from madoguchi.payments.models import Payment, PaymentAttempt, Refund
from madoguchi.payments.providers import make_provider
from madoguchi.payments.providers.base import ProviderError
from madoguchi.payments.services._common import ledger, staff_can
from madoguchi.payments.services.fees import to_int

REQUEST_ROLES = {Role.REVIEWER, Role.APPROVER, Role.CENTRE, Role.COUNTER, Role.ADMIN}
APPROVE_ROLES = {Role.APPROVER, Role.CENTRE, Role.ADMIN}


def refund_request(*, user: User, payment_id: uuid.UUID | str, amount: Any, reason: str) -> Refund:
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("procedure", "application", "organization")
            .filter(pk=payment_id)
            .first()
        )
        if payment is None or not staff_can(user, payment, REQUEST_ROLES):
            raise Http404
        value = to_int(amount)
        reason = (reason or "").strip()
        pending = sum(r.amount for r in payment.refunds.filter(status=RefundStatus.REQUESTED))
        available = payment.refundable_amount - pending
        errors: dict[str, list[str]] = {}
        if payment.paid_amount == 0:
            raise DomainError(_("納付されていない請求は還付できません。"), code="not_paid")
        if value is None or value <= 0:
            errors["amount"] = [_("還付する額を円単位の数字で入力してください。")]
        elif value > available:
            errors["amount"] = [_("還付できる額は%(n)s円までです。") % {"n": f"{available:,}"}]
        if not reason:
            errors["reason"] = [_("還付の理由を入力してください。")]
        if errors:
            raise FieldErrors(errors)
        assert value is not None
        refund = Refund.objects.create(payment=payment, amount=value, reason=reason[:2000], requested_by=user)
        ledger(
            payment,
            EventKind.REFUND_REQUESTED,
            actor=user,
            amount=value,
            refund=str(refund.pk),
            reason=reason,
        )
        audit_record(
            actor=user,
            action="payment.refund_requested",
            target=payment,
            after={"refund": str(refund.pk), "amount": value, "reason": reason},
        )
        # told: the approvers who can open this payment (its department's, or organization-wide)
        approvers = [u for u in notify.staff_covering(payment, APPROVE_ROLES) if u.pk != user.pk]
        notify.notify_refund_waiting(refund, approvers)
    return refund


def _lock_refund(user: User, refund_id: uuid.UUID | str) -> Refund:
    refund = (
        Refund.objects.select_for_update(of=("self",))
        .select_related("payment__procedure")
        .filter(pk=refund_id)
        .first()
    )
    if refund is None or not staff_can(user, refund.payment, APPROVE_ROLES):
        raise Http404
    return refund


def refund_approve(*, user: User, refund_id: uuid.UUID | str) -> Refund:
    """The second pair of eyes: the provider refunds (its idempotency key is the refund's id,
    so a retry after a crash refunds once)."""
    with transaction.atomic():
        refund = _lock_refund(user, refund_id)
        if refund.status == RefundStatus.SUCCEEDED:
            return refund  # approved already (a double click)
        if refund.status != RefundStatus.REQUESTED:
            raise DomainError(_("この還付は承認できる状態ではありません。"), code="refund_closed")
        if refund.requested_by_id == user.pk:
            raise DomainError(
                _("自分で起案した還付は承認できません。別の職員が承認してください。"),
                code="four_eyes",
                status=403,
            )
        payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
        if refund.amount > payment.refundable_amount:
            raise DomainError(_("還付できる額を超えています。"), code="refund_too_large")
        attempt = (
            PaymentAttempt.objects.filter(payment=payment, status=AttemptStatus.SUCCEEDED)
            .order_by("-updated_at")
            .first()
        )
        provider_id = attempt.provider if attempt else "slip"  # cash and slips: by bank transfer
        try:
            provider_refund_id = make_provider(provider_id).refund(
                session_id=attempt.provider_session_id if attempt else "",
                amount=refund.amount,
                idempotency_key=f"refund_{refund.pk}",
            )
        except ProviderError as exc:
            raise DomainError(
                _("決済サービスが還付を受け付けませんでした。時間をおいてもう一度お試しください。"),
                code="provider_refused",
                status=503,
            ) from exc
        refund.status = RefundStatus.SUCCEEDED
        refund.approved_by = user
        refund.decided_at = timezone.now()
        refund.provider_refund_id = provider_refund_id
        refund.save(update_fields=["status", "approved_by", "decided_at", "provider_refund_id"])
        before = {"status": payment.status, "refunded_amount": payment.refunded_amount}
        payment.refunded_amount += refund.amount
        if payment.refunded_amount >= payment.paid_amount:
            payment.status = PaymentStatus.REFUNDED
        payment.save(update_fields=["refunded_amount", "status", "updated_at"])
        ledger(payment, EventKind.REFUNDED, actor=user, amount=-refund.amount, refund=str(refund.pk))
        audit_record(
            actor=user,
            action="payment.refunded",
            target=payment,
            before=before,
            after={
                "status": payment.status,
                "refunded_amount": payment.refunded_amount,
                "refund": str(refund.pk),
                "requested_by": str(refund.requested_by),
                "provider": provider_id,
            },
        )
    return refund


def refund_reject(*, user: User, refund_id: uuid.UUID | str, note: str = "") -> Refund:
    with transaction.atomic():
        refund = _lock_refund(user, refund_id)
        if refund.status != RefundStatus.REQUESTED:
            return refund
        refund.status = RefundStatus.REJECTED
        refund.approved_by = user if user.pk != refund.requested_by_id else None
        refund.decided_at = timezone.now()
        refund.save(update_fields=["status", "approved_by", "decided_at"])
        ledger(refund.payment, EventKind.REFUND_REJECTED, actor=user, refund=str(refund.pk), note=note[:500])
        audit_record(
            actor=user,
            action="payment.refund_rejected",
            target=refund.payment,
            after={"refund": str(refund.pk), "note": note[:500]},
        )
    return refund
