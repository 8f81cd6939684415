"""Payments: the fee settings of a procedure, what an application owes, the append-only
ledger of money events, refunds (four eyes), and the collection agent's result files.

Money is integer yen everywhere (``PositiveIntegerField``); no floats, no decimals.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Organization
from madoguchi.applications.models import Application
from madoguchi.core.models import TimeStampedModel
from madoguchi.payments.constants import (
    AttemptStatus,
    EventKind,
    LineOutcome,
    Method,
    PaymentGate,
    PaymentStatus,
    ReductionStatus,
    RefundStatus,
)
from madoguchi.procedures.models import Procedure, ProcedureVersion


class FeeSetting(TimeStampedModel):
    """What the builder adds to a procedure's 手数料 (``Procedure.fee_kind`` / ``fee_amount``)."""

    procedure = models.OneToOneField(Procedure, on_delete=models.CASCADE, related_name="fee_setting")
    revenue_code = models.CharField(_("歳入科目コード"), max_length=20, blank=True)
    revenue_name = models.CharField(_("歳入科目"), max_length=100, blank=True)
    gate = models.CharField(
        _("納付の時期"), max_length=20, choices=PaymentGate.choices, default=PaymentGate.AT_SUBMISSION
    )
    # 計算: fee_amount × the number the applicant entered in this field (部数); blank = 1.
    quantity_field = models.CharField(_("部数の項目"), max_length=100, blank=True)
    # Limits for a fee decided by the reviewer.
    min_amount = models.PositiveIntegerField(_("下限（円）"), null=True, blank=True)
    max_amount = models.PositiveIntegerField(_("上限（円）"), null=True, blank=True)
    pay_within_days = models.PositiveSmallIntegerField(_("納付期限（日数）"), default=14)
    close_when_expired = models.BooleanField(_("期限を過ぎたら申請を終了する"), default=True)
    providers = models.JSONField(_("支払方法"), default=list, blank=True)  # [] = every enabled provider
    # 減免: [{"label": "生活保護を受けている方", "expr": "<rule language>", "percent": 100,
    #         "verify": true}] — the first rule whose condition holds applies (services/fees.py).
    reductions = models.JSONField(_("減免"), default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__isnull=True)
                | Q(max_amount__isnull=True)
                | Q(min_amount__lte=F("max_amount")),
                name="fee_setting_min_le_max",
            )
        ]


class FeeSchedule(models.Model):
    """The fee of one procedure version, frozen: what its applications owe, whatever the
    procedure's fee becomes later (a fee change publishes a new version with a new schedule).
    ``terms`` is ``services.fees.FeeTerms.as_json()``."""

    version = models.OneToOneField(ProcedureVersion, on_delete=models.CASCADE, related_name="fee_schedule")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    terms = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.version} {self.terms.get('kind')} {self.terms.get('amount')}"


class Payment(TimeStampedModel):
    """What one application owes (one per application), and how it was settled."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="payment")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payments")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="payments")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PAYABLE)
    gate = models.CharField(max_length=20, choices=PaymentGate.choices, default=PaymentGate.AT_SUBMISSION)
    amount = models.PositiveIntegerField(_("金額（円）"), null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_amount = models.PositiveIntegerField(null=True, blank=True)
    amount_reason = models.TextField(_("金額の理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revenue_code = models.CharField(max_length=20, blank=True)
    revenue_name = models.CharField(max_length=100, blank=True)
    due_on = models.DateField(_("納付期限"), null=True, blank=True)
    close_when_expired = models.BooleanField(default=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_amount = models.PositiveIntegerField(default=0)
    provider = models.CharField(max_length=30, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    refunded_amount = models.PositiveIntegerField(default=0)
    # Pay-easy お客様番号 (20 digits) and 確認番号 (6), also the key of the コンビニ barcode;
    # unique so a collection line finds exactly one payment.
    customer_number = models.CharField(max_length=20, unique=True)
    confirmation_number = models.CharField(max_length=6)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The fee schedule of the application's version (null: made before schedules existed).
    schedule = models.ForeignKey(
        FeeSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 減免: the amount before it, the rule (its name and its condition in words, both shown to
    # the applicant) and whether staff have verified it.
    full_amount = models.PositiveIntegerField(null=True, blank=True)
    reduction_label = models.CharField(_("減免"), max_length=200, blank=True)
    reduction_reason = models.TextField(blank=True)
    reduction_status = models.CharField(
        max_length=12, choices=ReductionStatus.choices, default=ReductionStatus.NONE, blank=True
    )
    reduction_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("paid_amount")), name="payment_refund_le_paid"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_at__isnull=False) & Q(amount__isnull=False)),
                name="payment_paid_has_time_and_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["awaiting_amount", "cancelled"]) | Q(amount__isnull=False),
                name="payment_amount_known_unless_awaiting",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference_number} ¥{self.amount}"

    @property
    def is_open(self) -> bool:
        return self.status in (PaymentStatus.AWAITING_AMOUNT, PaymentStatus.PAYABLE)

    @property
    def refundable_amount(self) -> int:
        return self.paid_amount - self.refunded_amount

    @property
    def status_label(self) -> str:
        """The state as staff read it: a payment not yet payable says what it waits for — its
        amount (a fee decided at review, until the reviewer enters it), the check of a 減免, or
        (the amount decided) the decision that makes it payable."""
        if self.status == PaymentStatus.AWAITING_AMOUNT:
            if self.reduction_status == ReductionStatus.TO_VERIFY:
                return str(_("減免の確認待ち"))
            if self.amount is not None:
                return str(_("金額決定済み（決裁の後に請求）"))
        return str(self.get_status_display())


class PaymentAttempt(TimeStampedModel):
    """One checkout at a provider (a hosted page session, or a slip)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="attempts")
    provider = models.CharField(max_length=30)
    provider_session_id = models.CharField(max_length=200)
    amount = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.OPEN)
    redirect_url = models.CharField(max_length=1000, blank=True)
    idempotency_key = models.CharField(max_length=100)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_session_id"], name="attempt_session_unique"
            ),
            models.UniqueConstraint(fields=["payment", "idempotency_key"], name="attempt_idempotency_unique"),
        ]


class PaymentEvent(models.Model):
    """The append-only ledger: every money event, once. A provider's event id is unique, so a
    webhook delivered twice (or the applicant's return racing it) is applied once."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")
    attempt = models.ForeignKey(PaymentAttempt, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    amount = models.IntegerField(null=True, blank=True)
    provider = models.CharField(max_length=30, blank=True)
    provider_event_id = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"],
                condition=~Q(provider_event_id=""),
                name="payment_event_provider_unique",
            )
        ]


class Refund(models.Model):
    """A refund (full or partial) with its reason; a second staff member approves (four eyes)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField()
    reason = models.TextField()
    status = models.CharField(max_length=12, choices=RefundStatus.choices, default=RefundStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider_refund_id = models.CharField(max_length=200, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("requested_by")),
                name="refund_four_eyes",
            ),
        ]


class CollectionImport(models.Model):
    """A daily result file (収納結果) of the collection agent (コンビニ・ペイジー), imported once."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "sha256"], name="collection_import_once")
        ]


class CollectionLine(models.Model):
    collection = models.ForeignKey(CollectionImport, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    customer_number = models.CharField(max_length=40)
    amount = models.PositiveIntegerField()
    paid_on = models.DateField()
    channel = models.CharField(max_length=10, choices=Method.choices, default=Method.KONBINI)
    agent_ref = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=16, choices=LineOutcome.choices)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["collection", "line_no"]


class SandboxCheckout(models.Model):
    """The built-in sandbox PSP's own record of a hosted-page session (not Madoguchi's state:
    the rest of the code only talks to it through the provider interface)."""

    id = models.CharField(primary_key=True, max_length=40)
    amount = models.PositiveIntegerField()
    description = models.CharField(max_length=200)
    return_url = models.CharField(max_length=1000)
    cancel_url = models.CharField(max_length=1000)
    reference = models.CharField(max_length=100)  # our attempt id
    status = models.CharField(max_length=12, default="open")  # open, challenge, succeeded, failed
    refunded = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class SandboxWebhook(models.Model):
    """A signed webhook the sandbox owes us: delivered late, twice and out of order."""

    body = models.TextField()
    deliver_after = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["deliver_after", "id"]
