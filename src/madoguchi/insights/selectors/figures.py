"""The monthly aggregates summed by department or procedure, paper counts added, and the rows they name."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min
from django.utils import timezone

from madoguchi.accounts.models import Department, Organization
from madoguchi.insights.models import MonthlyFigure, MonthRefresh, PaperProcedure
from madoguchi.insights.selectors.periods import fiscal_year_of
from madoguchi.procedures.models import Procedure

# ---------------------------------------------------------------------------- figures


@dataclass
class Figures:
    """Summed figures of some rows: counts per metric and merged distributions."""

    values: Counter[str] = field(default_factory=Counter)
    histograms: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    paper: float = 0.0  # paper applications attributed to the period (docs/kpi.md)


def _filtered(
    *,
    organization: Organization,
    months: Iterable[dt.date],
    departments: set[int] | None,
    procedure_id: int | None,
):
    qs = MonthlyFigure.objects.filter(organization=organization, month__in=list(months))
    if departments is not None:
        qs = qs.filter(department_id__in=departments)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    return qs


GROUPS = ("all", "month", "department_id", "procedure_id")


def figures_grouped(
    *,
    organization: Organization,
    months: list[dt.date],
    groups: Iterable[str] = GROUPS,
    departments: set[int] | None = None,
    procedure_id: int | None = None,
) -> dict[str, dict[Any, Figures]]:
    """Figures summed by each of ``groups`` ("all", "month", "department_id", "procedure_id"),
    from one read of the aggregate rows (a few thousand per organization and year) and one of
    the paper procedures — a dashboard page costs the same with any number of applications."""
    qs = _filtered(
        organization=organization, months=months, departments=departments, procedure_id=procedure_id
    )
    wanted = list(groups)
    result: dict[str, dict[Any, Figures]] = {group: defaultdict(Figures) for group in wanted}
    for month, department_id, procedure, metric, value, histogram in qs.values_list(
        "month", "department_id", "procedure_id", "metric", "value", "histogram"
    ).order_by():
        keys = {"all": None, "month": month, "department_id": department_id, "procedure_id": procedure}
        parsed = {int(days): count for days, count in histogram.items()} if histogram else None
        for group in wanted:
            figures = result[group][keys[group]]
            figures.values[metric] += value or 0
            if parsed:
                figures.histograms[metric].update(parsed)
    _add_paper(
        result,
        organization=organization,
        months=months,
        departments=departments,
        procedure_id=procedure_id,
    )
    return {group: dict(found) for group, found in result.items()}


def figures_by(
    *,
    organization: Organization,
    months: list[dt.date],
    group: str,
    departments: set[int] | None = None,
    procedure_id: int | None = None,
) -> dict[Any, Figures]:
    """Figures grouped by ``group`` ("month", "department_id", "procedure_id" or "all")."""
    return figures_grouped(
        organization=organization,
        months=months,
        groups=[group],
        departments=departments,
        procedure_id=procedure_id,
    )[group]


def _add_paper(
    result: dict[str, dict[Any, Figures]],
    *,
    organization: Organization,
    months: list[dt.date],
    departments: set[int] | None,
    procedure_id: int | None,
) -> None:
    """Yearly paper counts, spread evenly over the twelve months of their fiscal year; months
    still to come get none (a year in progress counts the share of the months gone by)."""
    current = timezone.localdate().replace(day=1)
    months = [m for m in months if m <= current]
    years = {fiscal_year_of(m) for m in months}
    qs = PaperProcedure.objects.filter(organization=organization, fiscal_year__in=years)
    if departments is not None:
        qs = qs.filter(department_id__in=departments)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    for department_id, procedure, fiscal_year, paper_count in qs.values_list(
        "department_id", "procedure_id", "fiscal_year", "paper_count"
    ):
        for month in months:
            if fiscal_year_of(month) != fiscal_year:
                continue
            keys = {"all": None, "month": month, "department_id": department_id, "procedure_id": procedure}
            for group, found in result.items():
                if group == "procedure_id" and procedure is None:
                    continue  # a paper-only procedure has no row of its own in a per-procedure table
                found[keys[group]].paper += paper_count / 12


def as_of(*, organization: Organization, months: list[dt.date]) -> dt.datetime | None:
    """The oldest refresh among the months shown (the figures are at least this fresh)."""
    return (
        MonthRefresh.objects.filter(organization=organization, month__in=months, refreshed_at__isnull=False)
        .aggregate(t=Min("refreshed_at"))
        .get("t")
    )


def paper_procedures(*, organization: Organization, departments: set[int] | None = None):
    qs = PaperProcedure.objects.filter(organization=organization).select_related("department", "procedure")
    if departments is not None:
        qs = qs.filter(department_id__in=departments)
    return qs.order_by("-fiscal_year", "title")


def departments_named(ids: Iterable[int | None]) -> dict[int, Department]:
    return Department.objects.in_bulk([i for i in ids if i is not None])


def procedures_named(ids: Iterable[int | None]) -> dict[int, Procedure]:
    return Procedure.objects.in_bulk([i for i in ids if i is not None])
