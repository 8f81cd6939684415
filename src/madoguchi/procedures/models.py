from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.core.models import TimeStampedModel
from madoguchi.procedures.constants import (
    Category,
    FeeKind,
    IdentityLevel,
    RetentionPeriod,
    VersionStatus,
)


class Procedure(TimeStampedModel):
    """An administrative procedure (行政手続) offered by one organization."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="procedures")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="procedures"
    )
    slug = models.SlugField(max_length=80)
    title = models.CharField(_("手続名"), max_length=200)
    summary = models.CharField(_("概要"), max_length=400, blank=True)
    description = models.TextField(_("説明"), blank=True)
    category = models.CharField(_("分類"), max_length=20, choices=Category.choices, default=Category.OTHER)
    keywords = models.CharField(_("キーワード"), max_length=400, blank=True)
    standard_processing_days = models.PositiveSmallIntegerField(
        _("標準処理期間（開庁日）"), null=True, blank=True
    )
    allows_proxy = models.BooleanField(_("代理申請を受け付ける"), default=False)
    contact = models.CharField(_("問い合わせ先"), max_length=400, blank=True)
    is_public = models.BooleanField(_("一般公開"), default=True)
    current_version = models.ForeignKey(
        "ProcedureVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # --- builder (issue 3) -------------------------------------------------------------
    life_events = models.JSONField(_("ライフイベント"), default=list, blank=True)  # LifeEvent values
    fee_kind = models.CharField(_("手数料"), max_length=16, choices=FeeKind.choices, default=FeeKind.NONE)
    fee_amount = models.PositiveIntegerField(_("手数料の額（円）"), null=True, blank=True)
    identity_level = models.CharField(
        _("本人確認"), max_length=16, choices=IdentityLevel.choices, default=IdentityLevel.ACCOUNT
    )
    # 保存年限, counted from the decision (or withdrawal) date; retention/ purges after it.
    retention_period = models.CharField(
        _("保存年限"), max_length=10, choices=RetentionPeriod.choices, default=RetentionPeriod.FIVE_YEARS
    )
    # Shared in the template library: other organizations may copy and adapt it.
    is_template = models.BooleanField(_("テンプレートとして共有"), default=False)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    # 変更届 (S7): this procedure changes what an approved application of ``amends`` granted (a
    # 指定); it is started from that application, whose answers prefill the form.
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("変更の届出の対象となる手続"),
    )
    # 一括提出 (S2): organizations (所属所) whose staff may upload CSV/Excel for this procedure.
    bulk_submitters = models.ManyToManyField(
        Organization, blank=True, related_name="bulk_procedures", verbose_name=_("一括提出できる団体")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="procedure_slug_unique"),
            models.CheckConstraint(
                condition=~models.Q(fee_kind="fixed") | models.Q(fee_amount__isnull=False),
                name="procedure_fixed_fee_has_amount",
            ),
        ]
        ordering = ["organization_id", "title"]

    def __str__(self) -> str:
        return self.title


class ProcedureVersion(TimeStampedModel):
    """One version of a procedure's definition (JSON). Published versions never change."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    definition = models.JSONField()
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique")
        ]
        ordering = ["procedure_id", "-number"]

    def __str__(self) -> str:
        return f"{self.procedure.title} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class ProcedureDraft(TimeStampedModel):
    """The builder's working copy of a procedure's definition (not yet published).

    The undo stack is ``DraftSnapshot`` rows (the definitions before each change, at most
    ``HISTORY_LIMIT``): one small INSERT per change instead of rewriting the whole stack.
    ``revision`` counts changes, so a page sent from an old copy of the builder is refused
    instead of overwriting newer work.
    """

    HISTORY_LIMIT = 50

    procedure = models.OneToOneField(Procedure, on_delete=models.CASCADE, related_name="draft")
    definition = models.JSONField()
    revision = models.PositiveIntegerField(default=0)
    base_version = models.ForeignKey(
        ProcedureVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"{self.procedure.title} (draft r{self.revision})"


class DraftSnapshot(models.Model):
    """A draft definition as it was before one change (元に戻す pops the newest)."""

    draft = models.ForeignKey(ProcedureDraft, on_delete=models.CASCADE, related_name="snapshots")
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draft_id", "-id"]
