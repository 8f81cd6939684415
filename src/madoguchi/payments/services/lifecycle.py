"""What an application owes, from submission to settlement: opened at submission (hook),
the amount decided by the reviewer, made payable at approval (hook), cash at the counter,
reminders and the deadline. Every change is audited and written to the payment ledger."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.permissions import StaffScope
from madoguchi.applications import services as applications
from madoguchi.applications.constants import HOLD_PAYMENT, ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.audit.services import audit_batch, audit_record
from madoguchi.core import events
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.payments import notify
from madoguchi.payments.constants import (
    DUE_AT_SUBMISSION,
    OPEN,
    EventKind,
    Method,
    PaymentGate,
    PaymentStatus,
    ReductionStatus,
)
from madoguchi.payments.models import Payment, PaymentEvent
from madoguchi.payments.services.fees import (
    MAX_AMOUNT,
    fee_quote,
    terms_of_payment,
    terms_of_version,
    to_int,
)

# The public event of a fee paid in full (payload: payment, application, amount, method, provider).
PAYMENT_COMPLETED = "payment.completed"

REVIEW_ROLES = {Role.REVIEWER, Role.APPROVER, Role.CENTRE, Role.ADMIN}
CASHIER_ROLES = {Role.COUNTER, Role.REVIEWER, Role.APPROVER, Role.CENTRE, Role.ADMIN}


def _numbers() -> tuple[str, str]:
    """A Pay-easy お客様番号 (20 digits, never starting with 0) and 確認番号 (6 digits)."""
    return str(secrets.randbelow(9 * 10**19) + 10**19), f"{secrets.randbelow(10**6):06d}"


def _timeline(payment: Payment, message: str, *, actor: Any = None) -> None:
    """A line on the applicant's timeline, written by applications (its only writer), which
    also audits it as ``application.payment`` on the application — so the application's own
    trail shows its fee, next to the ``payment.*`` entries on the payment."""
    applications.application_event_add(
        application=payment.application, kind="payment", message=message, actor=actor or "system"
    )


def ledger(payment: Payment, kind: str, *, actor: Any = None, amount: int | None = None, **data: Any) -> None:
    PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        amount=amount,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        data=data,
    )


def staff_can(user: Any, payment: Any, roles: Collection[str]) -> bool:
    procedure = payment.procedure
    return bool(getattr(user, "is_superuser", False)) or StaffScope.of(user).covers(
        organization_id=procedure.organization_id, department_id=procedure.department_id, roles=roles
    )


def payment_open_for_application(
    *, application: Application, actor: Any = None, holds: list[str] | None = None, **kwargs: Any
) -> Payment | None:
    """At submission (the ``application.submitted`` hook, inside the submitting transaction):
    what the application owes under the fee of its procedure version, computed on the server
    from the answers (減免 included). A procedure without a fee costs no query.

    A fee to pay before the submission completes (gate ``before_submission``) asks applications
    to hold the application (``holds``): it waits for the payment, without a case or receipt."""
    procedure = application.procedure
    quote = fee_quote(procedure=procedure, data=application.data, version_id=application.version_id)
    if quote is None:
        return None
    terms = quote.terms
    customer_number, confirmation = _numbers()
    reduction = quote.reduction
    to_verify = bool(reduction and reduction.verify)
    payable = quote.amount is not None and not to_verify
    payment = Payment(
        application=application,
        organization_id=application.organization_id,
        procedure=procedure,
        applicant_id=application.applicant_id,
        status=PaymentStatus.PAYABLE if payable else PaymentStatus.AWAITING_AMOUNT,
        gate=quote.gate,
        amount=quote.amount,
        unit_amount=quote.unit_amount,
        quantity=quote.quantity,
        revenue_code=terms.revenue_code,
        revenue_name=terms.revenue_name,
        due_on=timezone.localdate() + timedelta(days=terms.pay_within_days) if payable else None,
        close_when_expired=terms.close_when_expired,
        customer_number=customer_number,
        confirmation_number=confirmation,
        schedule_id=quote.schedule_id,
        full_amount=quote.full_amount,
        reduction_label=reduction.label if reduction else "",
        reduction_reason=reduction.reason if reduction else "",
        reduction_status=(
            (ReductionStatus.TO_VERIFY if to_verify else ReductionStatus.CONFIRMED)
            if reduction
            else ReductionStatus.NONE
        ),
    )
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError:
        return Payment.objects.filter(application=application).first()
    ledger(payment, EventKind.CREATED, actor=actor, amount=payment.amount, quantity=quote.quantity)
    if reduction:
        ledger(
            payment,
            EventKind.REDUCTION,
            actor=actor,
            amount=payment.amount,
            full_amount=quote.full_amount,
            label=reduction.label,
            percent=reduction.percent,
            status=payment.reduction_status,
        )
    audit_record(
        actor=actor or application.applicant,
        action="payment.created",
        target=payment,
        after={
            "amount": payment.amount,
            "status": payment.status,
            "application": str(application.pk),
            "reduction": payment.reduction_label,
        },
    )
    if payable and payment.amount == 0:
        waive(payment, actor=actor)
    elif payment.status == PaymentStatus.AWAITING_AMOUNT:
        # the reviewers: an amount to decide or a 減免 to check (自分の仕事 lists it meanwhile)
        _tell_after_commit(payment, _tell_fee_to_decide)
    if payment.gate == PaymentGate.BEFORE_SUBMISSION and payment.is_open and holds is not None:
        holds.append(HOLD_PAYMENT)
        if payment.status == PaymentStatus.PAYABLE:
            # the applicant: what to pay, by when, the link (the reminder before the deadline
            # tells again)
            _tell_after_commit(payment, lambda p: notify.notify_applicant(p, "payment.requested"))
    return payment


def _tell_fee_to_decide(payment: Payment) -> None:
    # still to do after the commit (an amount decided in the same transaction is not)
    if payment.status == PaymentStatus.AWAITING_AMOUNT and (
        payment.amount is None or payment.reduction_status == ReductionStatus.TO_VERIFY
    ):
        notify.notify_fee_to_decide(payment)


def _tell_after_commit(payment: Payment, tell: Callable[[Payment], None]) -> None:
    """Write a notification once the submission has committed: its 受付番号 is given after the
    ``application.submitted`` hook, so a message written in the hook would carry none. Written
    right after the commit, in a transaction of its own; lost only with the process."""
    payment_id = payment.pk

    def run() -> None:
        with transaction.atomic():
            fresh = Payment.objects.select_related("application", "procedure", "organization").get(
                pk=payment_id
            )
            tell(fresh)

    transaction.on_commit(run)


def waive(payment: Payment, *, actor: Any) -> None:
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
    _timeline(
        payment,
        _("手数料は減免（%(label)s）により免除されました。") % {"label": payment.reduction_label},
        actor=actor,
    )
    _completed(payment, amount=0, method=Method.EXEMPT, provider="exemption", actor=actor)


def payment_decide_amount(*, user: Any, application_id: Any, amount: Any, reason: str) -> Payment:
    """The reviewer fixes the fee of a procedure whose fee is decided after review, within the
    builder's limits, with a reason (shown to the applicant). Allowed until it is paid."""
    application = Application.objects.select_related("procedure").filter(pk=application_id).first()
    if application is None or not staff_can(user, application, REVIEW_ROLES):
        raise Http404
    procedure = application.procedure
    setting, _schedule = terms_of_version(procedure, application.version_id)
    errors: dict[str, list[str]] = {}
    value = to_int(amount)
    reason = (reason or "").strip()
    low, high = setting.min_amount or 0, setting.max_amount or MAX_AMOUNT
    if value is None:
        errors["amount"] = [_("金額を円単位の数字で入力してください。")]
    elif not low <= value <= high:
        errors["amount"] = [
            _("金額は%(low)s円から%(high)s円の間で入力してください。")
            % {"low": f"{low:,}", "high": f"{high:,}"}
        ]
    if not reason:
        errors["reason"] = [_("金額の理由を入力してください。申請者に示されます。")]
    elif len(reason) > 1000:
        errors["reason"] = [_("理由は1000文字以内で入力してください。")]
    if errors:
        raise FieldErrors(errors)
    assert value is not None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(application=application).first()
        if payment is None:
            payment = payment_open_for_application(application=application, actor=user)
            if payment is None:
                raise DomainError(_("この手続には手数料がありません。"), code="no_fee")
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status not in (PaymentStatus.AWAITING_AMOUNT, PaymentStatus.PAYABLE):
            raise DomainError(_("納付済みまたは終了した請求の金額は変えられません。"), code="payment_closed")
        if (
            payment.attempts.filter(status="open").exclude(provider="slip").exists()
            and payment.amount != value
        ):
            raise DomainError(
                _("申請者が支払手続中です。しばらくしてからもう一度お試しください。"), code="checkout_open"
            )
        before = {"amount": payment.amount, "status": payment.status}
        payment.amount = value
        payment.unit_amount = value
        payment.amount_reason = reason
        payment.decided_by = user
        decided = application.status == ApplicationStatus.APPROVED
        if decided:
            payment.status = PaymentStatus.PAYABLE
            payment.due_on = timezone.localdate() + timedelta(days=setting.pay_within_days)
        payment.save()
        ledger(payment, EventKind.AMOUNT_DECIDED, actor=user, amount=value, reason=reason)
        audit_record(
            actor=user,
            action="payment.amount_decided",
            target=payment,
            before=before,
            after={"amount": value, "reason": reason, "status": payment.status},
        )
        if decided:
            _announce(payment, actor=user)
    return payment


def _announce(payment: Payment, *, actor: Any) -> None:
    _timeline(
        payment,
        _("手数料は%(amount)s円です。%(due)sまでにお支払いください。")
        % {
            "amount": f"{payment.amount:,}",
            "due": payment.due_on.strftime("%Y年%-m月%-d日") if payment.due_on else "",
        },
        actor=actor,
    )
    notify.notify_applicant(payment, "payment.requested")


def on_case_deciding(*, case: Any, outcome: str, notice_rows: list[tuple[str, str]], **kwargs: Any) -> None:
    """review's ``case.deciding`` hook, inside the decision's transaction: refuse to approve an
    application whose fee is still to be decided; put the fee and its deadline on the notice;
    make it payable. A rejection cancels what is unpaid."""
    application = getattr(case, "application", None)
    if application is None:
        return
    payment = Payment.objects.select_for_update().filter(application=application).first()
    if payment is None:
        return
    if outcome != "approved":
        if payment.is_open:
            before = payment.status
            payment.status = PaymentStatus.CANCELLED
            payment.save(update_fields=["status", "updated_at"])
            ledger(payment, EventKind.CANCELLED, reason="rejected")
            audit_record(
                actor="system",
                action="payment.cancelled",
                target=payment,
                before={"status": before},
                after={"status": payment.status, "reason": "rejected"},
            )
        return
    if payment.gate in DUE_AT_SUBMISSION and payment.status == PaymentStatus.PAYABLE:
        raise DomainError(
            _("手数料の納付を確認できていません。納付を確認してから承認してください。"), code="fee_unpaid"
        )
    if payment.reduction_status == ReductionStatus.TO_VERIFY:
        raise DomainError(
            _("減免（%(label)s）の確認が済んでいません。手数料の画面で確認してから承認してください。")
            % {"label": payment.reduction_label},
            code="reduction_unverified",
        )
    if payment.status == PaymentStatus.AWAITING_AMOUNT and payment.amount is None:
        raise DomainError(
            _(
                "手数料の額がまだ決まっていません。「手数料を決める」で額と理由を入力してから承認してください。"
            ),
            code="fee_undecided",
        )
    if payment.status == PaymentStatus.AWAITING_AMOUNT or (
        payment.status == PaymentStatus.PAYABLE and payment.gate == PaymentGate.BEFORE_RELEASE
    ):
        setting = terms_of_payment(payment)
        payment.status = PaymentStatus.PAYABLE
        payment.due_on = timezone.localdate() + timedelta(days=setting.pay_within_days)
        payment.save(update_fields=["status", "due_on", "updated_at"])
        ledger(payment, EventKind.AMOUNT_DECIDED, amount=payment.amount, at_approval=True)
        _announce(payment, actor=None)
    notice_rows.append((_("手数料"), _("%(amount)s円") % {"amount": f"{payment.amount:,}"}))
    if payment.status == PaymentStatus.PAID:
        notice_rows.append((_("納付"), _("納付済み")))
    elif payment.due_on:
        notice_rows.append((_("納付期限"), payment.due_on.strftime("%Y-%m-%d")))
        notice_rows.append((_("お支払い方法"), _("申請の状況ページからお支払いください。")))


def release_allowed(application: Application) -> bool:
    """Whether the decision notice / 交付物 may be handed out (paid, or nothing to pay)."""
    payment = Payment.objects.filter(application=application).only("status", "gate").first()
    if payment is None or payment.gate != PaymentGate.BEFORE_RELEASE:
        return True
    return payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.CANCELLED)


def on_release_check(*, application: Application, **kwargs: Any) -> None:
    """The ``document.release_check`` hook: refuse the notice while the fee is unpaid."""
    if not release_allowed(application):
        raise DomainError(
            _("手数料のお支払いを確認した後に、通知書をお渡しします。"), code="payment_required", status=403
        )


def mark_paid(payment: Payment, *, amount: int, provider: str, method: str, actor: Any, **data: Any) -> None:
    """The one place a payment becomes paid (caller holds the row lock, has checked the state).
    Its audit entries (the payment's, the timeline's, an application received now) are chained
    together at the end, so the audit chain's head is locked once, for the last statements."""
    with audit_batch():
        _mark_paid(payment, amount=amount, provider=provider, method=method, actor=actor, **data)


def _mark_paid(payment: Payment, *, amount: int, provider: str, method: str, actor: Any, **data: Any) -> None:
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
    _timeline(
        payment, _("手数料 %(amount)s円の納付を確認しました。") % {"amount": f"{amount:,}"}, actor=actor
    )
    notify.notify_applicant(payment, "payment.paid")
    _completed(payment, amount=amount, method=method, provider=provider, actor=actor)


def _completed(payment: Payment, *, amount: int, method: str, provider: str, actor: Any) -> None:
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


def payment_record_cash(*, user: Any, payment_id: Any, amount: Any, note: str = "") -> Payment:
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


def payments_expire_sweep(*, today: date | None = None) -> dict[str, int]:
    """Daily: remind three days before the deadline; after it, mark expired and (when the
    procedure says so) close the application with a notice. Safe to run twice."""
    today = today or timezone.localdate()
    reminded = expired = closed = 0
    due_soon = Payment.objects.filter(
        status=PaymentStatus.PAYABLE,
        reminded_at__isnull=True,
        due_on__lte=today + timedelta(days=3),
        due_on__gte=today,
    ).values_list("pk", flat=True)
    for pk in list(due_soon):
        with transaction.atomic():
            payment = Payment.objects.select_for_update().filter(pk=pk, reminded_at__isnull=True).first()
            if payment is None:
                continue
            payment.reminded_at = timezone.now()
            payment.save(update_fields=["reminded_at"])
            ledger(payment, EventKind.REMINDED)
            notify.notify_applicant(payment, "payment.reminder")
            reminded += 1
    for pk in list(
        Payment.objects.filter(status=PaymentStatus.PAYABLE, due_on__lt=today).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            payment = (
                Payment.objects.select_for_update(of=("self",))
                .select_related("application", "procedure")
                .filter(pk=pk, status=PaymentStatus.PAYABLE)
                .first()
            )
            if payment is None or payment.attempts.filter(status="open").exclude(provider="slip").exists():
                continue  # a checkout in progress finishes first
            payment.status = PaymentStatus.EXPIRED
            payment.save(update_fields=["status", "updated_at"])
            ledger(payment, EventKind.EXPIRED)
            audit_record(
                actor="system",
                action="payment.expired",
                target=payment,
                before={"status": PaymentStatus.PAYABLE},
                after={"status": payment.status},
            )
            expired += 1
            if payment.close_when_expired and applications.application_close_unpaid(
                application=payment.application,
                message=_("納付期限までに手数料のお支払いを確認できなかったため、この申請は終了しました。"),
                actor="system",
            ):
                notify.notify_applicant(payment, "payment.closed_unpaid")
                closed += 1
            else:
                _timeline(
                    payment, _("納付期限を過ぎました。お支払いについては担当窓口にお問い合わせください。")
                )
    return {"reminded": reminded, "expired": expired, "closed": closed}


def on_application_withdrawn(*, application: Application, **kwargs: Any) -> None:
    """applications' ``application.withdrawn`` hook (inside the withdrawal, which holds the
    application's lock): cancel what is still unpaid, so nothing more is asked or reminded.
    A payment being paid right now (locked) is left to finish: paid for a withdrawn
    application, it shows in staff's 要対応 list for a refund."""
    payment = (
        Payment.objects.select_for_update(skip_locked=True)
        .filter(application_id=application.pk, status__in=list(OPEN))
        .first()
    )
    if payment is None:
        return
    before = payment.status
    payment.status = PaymentStatus.CANCELLED
    payment.save(update_fields=["status", "updated_at"])
    ledger(payment, EventKind.CANCELLED, reason="withdrawn")
    audit_record(
        actor=kwargs.get("actor") or "system",
        action="payment.cancelled",
        target=payment,
        before={"status": before},
        after={"status": payment.status, "reason": "withdrawn"},
    )


def payment_staff_check(user: Any, payment: Payment) -> None:
    if not staff_can(user, payment, CASHIER_ROLES | {Role.AUDITOR, Role.OWNER}):
        raise PermissionDeniedError(_("この請求を扱う権限がありません。"))
