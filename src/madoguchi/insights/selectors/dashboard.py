"""One dashboard page: summary KPIs, the table by department or procedure, the months."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone, translation

from madoguchi.accounts.models import Department, Organization
from madoguchi.insights.constants import Kpi, Metric
from madoguchi.insights.models import KpiTarget, MonthRefresh, PaperProcedure
from madoguchi.insights.selectors.access import (
    InsightsScope,
    access_department,
    access_procedure,
    with_children,
)
from madoguchi.insights.selectors.figures import (
    Figures,
    as_of,
    departments_named,
    figures_grouped,
    procedures_named,
)
from madoguchi.insights.selectors.kpis import KpiValue, kpis_of, online_procedure_rates, targets_for_years
from madoguchi.insights.selectors.periods import fiscal_months
from madoguchi.procedures.constants import VersionStatus
from madoguchi.procedures.models import Procedure, ProcedureVersion

# ---------------------------------------------------------------------------- one dashboard page

SUMMARY_KPIS = (
    Kpi.ONLINE_USE_RATE,
    Kpi.PROCESSING_MEDIAN,
    Kpi.PROCESSING_P90,
    Kpi.WITHIN_STANDARD_RATE,
    Kpi.CORRECTION_RATE,
    Kpi.WITHDRAWAL_RATE,
    Kpi.E_DECISION_RATE,
    Kpi.SATISFACTION,
    Kpi.NPS,
    Kpi.NO_SHOW_RATE,
    Kpi.ZERO_RESULT_RATE,
    Kpi.CHAT_RESOLUTION,
    Kpi.IDEA_ANSWER_DAYS,
    Kpi.CASHLESS_RATE,
)
# columns of the monthly and the breakdown tables (and their CSV/Excel exports)
TABLE_KPIS = (
    Kpi.ONLINE_USE_RATE,
    Kpi.PROCESSING_MEDIAN,
    Kpi.WITHIN_STANDARD_RATE,
    Kpi.CORRECTION_RATE,
    Kpi.WITHDRAWAL_RATE,
    Kpi.E_DECISION_RATE,
    Kpi.SATISFACTION,
)


@dataclass
class Row:
    label: str
    applications: int
    paper: int
    kpis: dict[str, KpiValue]
    link: dict[str, Any] | None = None  # query to drill down


@dataclass
class Dashboard:
    organization: Organization
    fiscal_year: int
    months: list[dt.date]
    department: Department | None
    procedure: Procedure | None
    whole_organization: bool
    summary: list[KpiValue]
    monthly: list[Row]
    breakdown: list[Row]
    breakdown_kind: str  # "department", "procedure" or ""
    online_procedures: list[tuple[int, KpiValue]]
    as_of: dt.datetime | None


def _applications(figures: Figures) -> int:
    v = figures.values
    return int(v[Metric.APPS_ONLINE] + v[Metric.APPS_COUNTER] + v[Metric.APPS_BULK])


DASHBOARD_CACHE_SECONDS = 600


def _figures_state(organization: Organization) -> tuple[Any, ...]:
    """What a dashboard of the organization is computed from, in four small queries: when a
    month is refreshed, a paper procedure or a target changes or a procedure is published, the
    state changes, and so does the cache key of every page built from it."""
    refreshed = MonthRefresh.objects.filter(organization=organization).aggregate(
        t=Max("refreshed_at"), n=Count("pk")
    )
    paper = PaperProcedure.objects.filter(organization=organization).aggregate(
        t=Max("updated_at"), n=Count("pk")
    )
    targets = list(
        KpiTarget.objects.filter(Q(organization=organization) | Q(organization__isnull=True))
        .order_by("pk")
        .values_list("pk", "kpi", "fiscal_year", "value")
    )
    published = ProcedureVersion.objects.filter(
        procedure__organization=organization, status=VersionStatus.PUBLISHED
    ).aggregate(t=Max("published_at"), n=Count("pk"))
    return (
        refreshed["t"],
        refreshed["n"],
        paper["t"],
        paper["n"],
        tuple(targets),
        published["t"],
        published["n"],
    )


def dashboard_build(
    *,
    scope: InsightsScope,
    organization: Organization,
    fiscal_year: int,
    department_id: int | None = None,
    procedure_id: int | None = None,
) -> Dashboard:
    """Everything one dashboard page shows, from the aggregates only — kept in the cache under
    a key that names what it was computed from (``_figures_state``), so a page is computed
    again only after the figures behind it changed."""
    allowed = scope.departments(organization.pk)
    procedure = (
        access_procedure(scope=scope, organization=organization, procedure_id=procedure_id)
        if procedure_id
        else None
    )
    department = (
        access_department(scope=scope, organization=organization, department_id=department_id)
        if department_id
        else None
    )
    key_parts = (
        organization.pk,
        fiscal_year,
        department.pk if department else None,
        procedure.pk if procedure else None,
        sorted(allowed) if allowed is not None else None,
        timezone.localdate().replace(day=1),  # paper counts of a year in progress grow by month
        translation.get_language(),
        _figures_state(organization),
    )
    key = "insights:dashboard:" + hashlib.sha256(repr(key_parts).encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, Dashboard):
        return found
    board = _dashboard_compute(
        organization=organization,
        fiscal_year=fiscal_year,
        allowed=allowed,
        procedure=procedure,
        department=department,
    )
    cache.set(key, board, DASHBOARD_CACHE_SECONDS)
    return board


def _dashboard_compute(
    *,
    organization: Organization,
    fiscal_year: int,
    allowed: set[int] | None,
    procedure: Procedure | None,
    department: Department | None,
) -> Dashboard:
    if procedure is not None and department is None and procedure.department_id:
        department = procedure.department
    departments: set[int] | None = allowed
    if department is not None:
        departments = with_children(department.pk)
        if allowed is not None:
            departments &= allowed
    months = fiscal_months(fiscal_year)
    years = [fiscal_year - 2, fiscal_year - 1, fiscal_year]
    targets_by_year = targets_for_years(organization=organization, fiscal_years=years)
    targets = targets_by_year[fiscal_year]
    procedure_pk = procedure.pk if procedure else None
    # one read of the aggregates for every table of the page
    breakdown_group = "department_id" if procedure is None and department is None else "procedure_id"
    read = figures_grouped(
        organization=organization,
        months=months,
        groups=["all", "month", breakdown_group] if procedure is None else ["all", "month"],
        departments=departments,
        procedure_id=procedure_pk,
    )

    def grouped(group: str) -> dict[Any, Figures]:
        return read[group]

    total = grouped("all").get(None, Figures())
    summary_values = kpis_of(total)
    summary = []
    for kpi in SUMMARY_KPIS:
        value = summary_values[kpi]
        value.target = targets.get(kpi)
        summary.append(value)
    by_month = grouped("month")
    monthly = [
        Row(
            label=f"{m.year}-{m.month:02d}",
            applications=_applications(by_month.get(m, Figures())),
            paper=round(by_month.get(m, Figures()).paper),
            kpis=kpis_of(by_month.get(m, Figures())),
        )
        for m in months
    ]
    breakdown: list[Row] = []
    kind = ""
    if procedure is None and department is None:
        kind = "department"
        groups = grouped("department_id")
        names = departments_named(groups)
        for key in sorted(groups, key=lambda k: (k is None, names[k].name if k in names else "")):
            figures = groups[key]
            breakdown.append(
                Row(
                    label=names[key].name if key in names else str(_no_department()),
                    applications=_applications(figures),
                    paper=round(figures.paper),
                    kpis=kpis_of(figures),
                    link={"department": key} if key in names else None,
                )
            )
    elif procedure is None:
        kind = "procedure"
        groups = grouped("procedure_id")
        names_p = procedures_named(groups)
        for key in sorted(groups, key=lambda k: (k is None, names_p[k].title if k in names_p else "")):
            figures = groups[key]
            breakdown.append(
                Row(
                    label=names_p[key].title if key in names_p else str(_no_procedure()),
                    applications=_applications(figures),
                    paper=round(figures.paper),
                    kpis=kpis_of(figures),
                    link={"procedure": key} if key in names_p else None,
                )
            )
    online_procedures = []
    rates = online_procedure_rates(organization=organization, fiscal_years=years, departments=departments)
    for year in years:
        rate = rates[year]
        rate.target = targets_by_year[year].get(Kpi.ONLINE_PROCEDURE_RATE)
        online_procedures.append((year, rate))
    return Dashboard(
        organization=organization,
        fiscal_year=fiscal_year,
        months=months,
        department=department,
        procedure=procedure,
        whole_organization=allowed is None,
        summary=summary,
        monthly=monthly,
        breakdown=breakdown,
        breakdown_kind=kind,
        online_procedures=online_procedures,
        as_of=as_of(organization=organization, months=months),
    )


def _no_department():
    from django.utils.translation import gettext as _

    return _("部署の指定なし")


def _no_procedure():
    from django.utils.translation import gettext as _

    return _("手続によらないもの")
