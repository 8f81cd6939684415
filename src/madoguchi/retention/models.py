"""Data lifecycle: legal holds, the record of what was purged, and counts of what was deleted.

An application past its 保存年限 is not deleted: its row stays — organization, procedure,
channel, status, dates, 受付番号 — so every count the KPI pages need (per procedure, month,
channel and outcome) can still be made from ``Application``; what identifies the person goes
(docs/retention.md). Drafts and other rows that are deleted outright leave a count in
``DeletedCount``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Organization
from madoguchi.applications.models import Application
from madoguchi.procedures.models import Procedure


class LegalHold(models.Model):
    """訴訟ホールド: while active (not cleared), the application is never purged."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField(_("理由"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_reason = models.TextField(_("解除の理由"), blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(cleared_at__isnull=True),
                name="one_active_hold_per_application",
            )
        ]

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None


class PurgedApplication(models.Model):
    """An application whose personal data retention removed (the row itself stays)."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="purge_record")
    closed_at = models.DateTimeField()  # the decision (or withdrawal) the period was counted from
    retention_period = models.CharField(max_length=10)
    purged_at = models.DateTimeField()


class DeletedCount(models.Model):
    """How many rows of a kind retention deleted, per organization, procedure and month."""

    kind = models.CharField(max_length=30)  # "draft", "attachment", "notification", …
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField()  # first day of the month the row was created in
    count = models.PositiveIntegerField(default=0)

    class Meta:
        # One row per (kind, organization, procedure, month); written by the daily run only.
        indexes = [models.Index(fields=["kind", "month"], name="deleted_count_kind_month")]
