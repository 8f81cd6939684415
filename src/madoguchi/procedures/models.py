from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.core.models import TimeStampedModel
from madoguchi.procedures.constants import Category, VersionStatus


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

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="procedure_slug_unique")]
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
