"""減免 (fee reduction or exemption) decided by staff: verify a reduction the rules applied
(evidence seen), refuse it, or apply one of the procedure's rules to an unpaid fee."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.constants import Role
from madoguchi.accounts.types import User
from madoguchi.applications.timeline import Line
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.payments.constants import AttemptStatus, EventKind, PaymentStatus, ReductionStatus
from madoguchi.payments.models import Payment
from madoguchi.payments.services._common import REVIEW_ROLES, announce, ledger, staff_can, timeline
from madoguchi.payments.services.fees import reduced, terms_of_payment, to_int
from madoguchi.payments.services.settlement import waive

REDUCTION_ROLES = REVIEW_ROLES | {Role.COUNTER}
DECISIONS = ("confirm", "reject", "apply")


def payment_reduction_decide(
    *, user: User, payment_id: uuid.UUID | str, decision: str, rule_index: Any = None, note: str = ""
) -> Payment:
    """``confirm`` a reduction waiting for verification, ``reject`` a reduction (the applicant
    pays the full fee; the note is shown to them), or ``apply`` the builder's rule number
    ``rule_index``. Only while nothing is paid (after that: a refund)."""
    note = (note or "").strip()[:1000]
    if decision not in DECISIONS:
        raise FieldErrors({"decision": [_("操作を選んでください。")]})
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("procedure", "application", "schedule")
            .filter(pk=payment_id)
            .first()
        )
        if payment is None or not staff_can(user, payment, REDUCTION_ROLES):
            raise Http404
        if payment.status not in (PaymentStatus.AWAITING_AMOUNT, PaymentStatus.PAYABLE):
            raise DomainError(
                _("納付済みまたは終了した請求の減免は変えられません。納付済みなら還付で対応してください。"),
                code="payment_closed",
            )
        if payment.full_amount is None:
            raise DomainError(
                _(
                    "審査の後に額を決める手数料は、減免を含めて「手数料を決める」で額と理由を入力してください。"
                ),
                code="decided_at_review",
            )
        if payment.attempts.filter(status=AttemptStatus.OPEN).exclude(provider="slip").exists():
            raise DomainError(
                _("申請者が支払手続中です。しばらくしてからもう一度お試しください。"), code="checkout_open"
            )
        before = {
            "amount": payment.amount,
            "status": payment.status,
            "reduction_status": payment.reduction_status,
            "reduction": payment.reduction_label,
        }
        if decision == "confirm":
            if payment.reduction_status != ReductionStatus.TO_VERIFY:
                raise DomainError(_("確認を待っている減免はありません。"), code="nothing_to_verify")
            payment.reduction_status = ReductionStatus.CONFIRMED
            message = Line(gettext_noop("減免（%(label)s）を確認しました。"), label=payment.reduction_label)
        elif decision == "reject":
            if payment.reduction_status not in (ReductionStatus.TO_VERIFY, ReductionStatus.CONFIRMED):
                raise DomainError(_("この請求に減免はありません。"), code="no_reduction")
            if not note:
                raise FieldErrors({"note": [_("減免を認めない理由を入力してください。申請者に示されます。")]})
            payment.reduction_status = ReductionStatus.REJECTED
            payment.amount = payment.full_amount
            message = Line(
                gettext_noop("減免（%(label)s）は認められませんでした。理由: %(note)s"),
                label=payment.reduction_label,
                note=note,
            )
        else:
            rules_ = terms_of_payment(payment).reductions
            index = to_int(rule_index)
            if index is None or not 0 <= index < len(rules_):
                raise FieldErrors({"rule_index": [_("当てはまる減免を選んでください。")]})
            if payment.reduction_status in (ReductionStatus.TO_VERIFY, ReductionStatus.CONFIRMED):
                raise DomainError(
                    _("すでに減免があります。変えるときは、いまの減免を認めないとしてから選んでください。"),
                    code="reduction_exists",
                )
            rule = rules_[index]
            payment.reduction_label = str(rule.get("label") or "")
            payment.reduction_reason = note or _("窓口で確認しました。")
            payment.reduction_status = ReductionStatus.CONFIRMED
            payment.amount = reduced(payment.full_amount, int(rule.get("percent") or 0))
            message = Line(gettext_noop("減免（%(label)s）を適用しました。"), label=payment.reduction_label)
        payment.reduction_checked_by = user
        if payment.amount != before["amount"]:
            # A 納付書 printed with the old amount is no longer valid (reconciliation lists it).
            payment.attempts.filter(status=AttemptStatus.OPEN, provider="slip").update(
                status=AttemptStatus.EXPIRED
            )
        payable_now = payment.status == PaymentStatus.AWAITING_AMOUNT and payment.amount is not None
        if payable_now or payment.amount != before["amount"]:
            payment.status = PaymentStatus.PAYABLE
            days = terms_of_payment(payment).pay_within_days
            payment.due_on = timezone.localdate() + timedelta(days=days)
        payment.save()
        ledger(
            payment,
            EventKind.REDUCTION,
            actor=user,
            amount=payment.amount,
            decision=decision,
            label=payment.reduction_label,
            note=note,
        )
        audit_record(
            actor=user,
            action=f"payment.reduction_{decision}",
            target=payment,
            before=before,
            after={
                "amount": payment.amount,
                "status": payment.status,
                "reduction_status": payment.reduction_status,
                "reduction": payment.reduction_label,
                "note": note,
            },
        )
        timeline(payment, message, actor=user)
        if payment.amount == 0:
            waive(payment, actor=user)
        elif payment.status == PaymentStatus.PAYABLE and payment.amount != before["amount"] or payable_now:
            announce(payment, actor=user)
    return payment
