"""Choices of the payments app (English values, Japanese labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentGate(models.TextChoices):
    """When the fee must be paid (set per procedure in the builder's fee settings)."""

    # Pay first: the application waits (applications' AWAITING_PAYMENT) and is received —
    # review case, receipt notice — only once the fee is paid; unpaid by the deadline, closed.
    BEFORE_SUBMISSION = "before_submission", _("申請の完了前に納付（納付を確認してから受付）")
    # Received at once (受付番号, review starts); the approval waits for the fee.
    AT_SUBMISSION = "at_submission", _("申請のときに納付（審査は並行して進め、承認の前に納付を確認）")
    BEFORE_RELEASE = "before_release", _("審査の後に納付（納付の後に通知書・交付物を交付）")


class PaymentStatus(models.TextChoices):
    AWAITING_AMOUNT = "awaiting_amount", _("金額の決定待ち")
    PAYABLE = "payable", _("未納")
    PAID = "paid", _("納付済み")
    EXPIRED = "expired", _("納付期限切れ")
    CANCELLED = "cancelled", _("取消")
    REFUNDED = "refunded", _("全額還付済み")


# Gates whose fee is due from submission (approval is refused while it is unpaid).
DUE_AT_SUBMISSION = {PaymentGate.BEFORE_SUBMISSION, PaymentGate.AT_SUBMISSION}

# A payment still waiting for money.
OPEN = {PaymentStatus.AWAITING_AMOUNT, PaymentStatus.PAYABLE}


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("手続中")
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失敗")
    EXPIRED = "expired", _("期限切れ")


class Method(models.TextChoices):
    """How the money came; everything but cash counts as cashless (キャッシュレス比率)."""

    CARD = "card", _("クレジットカード")
    KONBINI = "konbini", _("コンビニ")
    PAYEASY = "payeasy", _("ペイジー")
    EMONEY = "emoney", _("電子マネー・QRコード")
    CASH = "cash", _("窓口で現金")
    EXEMPT = "exempt", _("免除（納付なし）")


CASHLESS = {Method.CARD, Method.KONBINI, Method.PAYEASY, Method.EMONEY}


class EventKind(models.TextChoices):
    """Entries of the append-only payment ledger (PaymentEvent)."""

    CREATED = "created", _("請求を作成")
    AMOUNT_DECIDED = "amount_decided", _("金額を決定")
    # the decision (approval) makes the fee payable: its deadline is set and the applicant asked
    REQUESTED = "requested", _("納付を依頼（納付期限を設定）")
    CHECKOUT_STARTED = "checkout_started", _("支払手続を開始")
    SUCCEEDED = "succeeded", _("納付を確認")
    FAILED = "failed", _("支払に失敗")
    ATTEMPT_EXPIRED = "attempt_expired", _("支払手続の期限切れ")
    EXPIRED = "expired", _("納付期限切れ")
    CANCELLED = "cancelled", _("取消")
    REFUND_REQUESTED = "refund_requested", _("還付を起案")
    REFUND_APPROVED = "refund_approved", _("還付を承認")
    REFUND_REJECTED = "refund_rejected", _("還付を差戻し")
    REFUNDED = "refunded", _("還付を完了")
    CASH_RECORDED = "cash_recorded", _("窓口での現金納付を記録")
    RECONCILED = "reconciled", _("収納データで消込")
    REMINDED = "reminded", _("納付をお知らせ")
    REDUCTION = "reduction", _("減免")
    IGNORED = "ignored", _("受信したが反映せず")


class ReductionStatus(models.TextChoices):
    """減免 of a payment: applied by a rule (to verify, when the rule asks for it) or by staff."""

    NONE = "", _("なし")
    TO_VERIFY = "to_verify", _("確認待ち")
    CONFIRMED = "confirmed", _("確認済み")
    REJECTED = "rejected", _("非該当")


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("承認待ち")
    SUCCEEDED = "succeeded", _("還付済み")
    REJECTED = "rejected", _("差戻し")
    FAILED = "failed", _("失敗")


class LineOutcome(models.TextChoices):
    """A line of the collection agent's daily result file after matching."""

    MATCHED = "matched", _("消込済み")
    UNMATCHED = "unmatched", _("該当なし")
    DUPLICATE = "duplicate", _("二重納付")
    WRONG_AMOUNT = "wrong_amount", _("金額相違")
    RESOLVED = "resolved", _("対応済み")
