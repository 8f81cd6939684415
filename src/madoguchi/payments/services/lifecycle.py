"""What an application owes, from submission to the decision: opened at submission (hook),
the amount decided by the reviewer, made payable at approval (hook), the release of the
notice, reminders and the deadline, withdrawal. Every change is audited and written to the
payment ledger; how a fee becomes paid is ``settlement``."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.types import Actor, User
from madoguchi.applications import services as applications
from madoguchi.applications.constants import HOLD_PAYMENT, ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.timeline import Line
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.payments import notify
from madoguchi.payments.constants import (
    DUE_AT_SUBMISSION,
    OPEN,
    EventKind,
    PaymentGate,
    PaymentStatus,
    ReductionStatus,
)
from madoguchi.payments.models import Payment
from madoguchi.payments.services._common import REVIEW_ROLES, announce, ledger, staff_can, timeline
from madoguchi.payments.services.fees import (
    MAX_AMOUNT,
    fee_quote,
    terms_of_payment,
    terms_of_version,
    to_int,
)
from madoguchi.payments.services.settlement import waive


def _numbers() -> tuple[str, str]:
    """A Pay-easy お客様番号 (20 digits, never starting with 0) and 確認番号 (6 digits)."""
    return str(secrets.randbelow(9 * 10**19) + 10**19), f"{secrets.randbelow(10**6):06d}"


def payment_open_for_application(
    *, application: Application, actor: Actor = None, holds: list[str] | None = None, **kwargs: Any
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


def payment_decide_amount(
    *, user: User, application_id: uuid.UUID | str, amount: Any, reason: str
) -> Payment:
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
            announce(payment, actor=user)
    return payment


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
        ledger(payment, EventKind.REQUESTED, amount=payment.amount, due_on=payment.due_on.isoformat())
        announce(payment, actor=None)
    notice_rows.append((_("手数料"), _("%(amount)s円") % {"amount": f"{payment.amount:,}"}))
    if payment.status == PaymentStatus.PAID:
        notice_rows.append((_("納付"), _("納付済み")))
    elif payment.due_on:
        notice_rows.append((_("納付期限"), payment.due_on.strftime("%Y-%m-%d")))
        notice_rows.append((_("お支払い方法"), _("申請の状況ページからお支払いください。")))


def _holding(application: Application) -> Payment | None:
    """The unpaid fee that holds back the decision notice / 交付物 (None: it may be handed out)."""
    payment = (
        Payment.objects.filter(application=application).only("status", "gate", "amount", "due_on").first()
    )
    if payment is None or payment.gate != PaymentGate.BEFORE_RELEASE:
        return None
    if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.CANCELLED):
        return None
    return payment


def release_allowed(application: Application) -> bool:
    """Whether the decision notice / 交付物 may be handed out (paid, or nothing to pay)."""
    return _holding(application) is None


def on_release_check(*, application: Application, **kwargs: Any) -> None:
    """The ``document.release_check`` hook: refuse the notice while the fee is unpaid, saying
    how much and by when."""
    payment = _holding(application)
    if payment is None:
        return
    if payment.status == PaymentStatus.PAYABLE and payment.amount is not None and payment.due_on:
        message = _(
            "手数料 %(amount)s円のお支払いを確認した後に、通知書をお渡しします。納付期限は%(due)sです。"
        ) % {"amount": f"{payment.amount:,}", "due": date_format(payment.due_on, "DATE_FORMAT")}
    else:
        message = _("手数料のお支払いを確認した後に、通知書をお渡しします。")
    raise DomainError(message, code="payment_required", status=403)


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
                message=Line(
                    gettext_noop(
                        "納付期限までに手数料のお支払いを確認できなかったため、この申請は終了しました。"
                    )
                ),
                actor="system",
            ):
                notify.notify_applicant(payment, "payment.closed_unpaid")
                closed += 1
            else:
                timeline(
                    payment,
                    Line(
                        gettext_noop(
                            "納付期限を過ぎました。お支払いについては担当窓口にお問い合わせください。"
                        )
                    ),
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
