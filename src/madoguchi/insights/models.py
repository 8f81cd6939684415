"""Aggregate tables behind the KPI dashboards (docs/kpi.md).

The dashboard never scans applications: it sums ``MonthlyFigure`` rows, which
``services.figures_refresh_month`` recomputes for one organization and month (from the
applications, cases, bookings and search logs of that month only), driven by the beat task
``insights.refresh_changed``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.core.models import TimeStampedModel
from madoguchi.insights.constants import Kpi, Metric
from madoguchi.procedures.models import Procedure


class MonthlyFigure(models.Model):
    """One counted figure for an organization, department, procedure and month (JST)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()  # first day of the month
    metric = models.CharField(max_length=24, choices=Metric.choices)
    value = models.BigIntegerField(default=0)
    # for distributions (processing days): {"<days>": count}
    histogram = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "month", "metric"], name="figure_org_month_idx"),
            models.Index(fields=["department", "month", "metric"], name="figure_dept_month_idx"),
        ]


class MonthRefresh(models.Model):
    """When the figures of one organization and month were last recomputed (the "as of" time).

    Its row is locked while they are recomputed, so two refreshes of one month never interleave.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="month_refresh_unique")]


class RefreshMark(models.Model):
    """The time up to which changes were picked up by ``refresh_changed`` (one row)."""

    key = models.CharField(max_length=20, unique=True, default="default")
    seen_until = models.DateTimeField(null=True, blank=True)


class PaperProcedure(TimeStampedModel):
    """A procedure handled on paper, with its yearly count (年度), registered by staff.

    Without ``procedure`` it is a procedure not yet online (it lowers オンライン化率); with
    ``procedure`` the count is the paper applications of an online procedure (it lowers
    オンライン利用率).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    procedure = models.ForeignKey(
        Procedure,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("オンラインの手続"),
    )
    title = models.CharField(_("手続名"), max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    paper_count = models.PositiveIntegerField(_("紙の件数（年間）"))

    class Meta:
        ordering = ["organization_id", "fiscal_year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fiscal_year", "title"], name="paper_procedure_unique"
            ),
            models.CheckConstraint(condition=Q(fiscal_year__gte=2000), name="paper_procedure_year"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.fiscal_year})"


class KpiTarget(models.Model):
    """A target drawn as a line: for one organization (or all) and one fiscal year (or every)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kpi = models.CharField(max_length=32, choices=Kpi.choices)
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kpi", "fiscal_year"], name="kpi_target_unique")
        ]
