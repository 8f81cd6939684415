"""Reads for the KPI dashboard: who sees what, and the KPIs computed from the aggregates.

Every function here sums ``MonthlyFigure`` rows (a few hundred per organization and year) and
never touches applications, so a page costs the same with 1,000 or 1,000,000 applications.
Formulas: docs/kpi.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, Q, Sum
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.models import Department, Organization, User
from madoguchi.accounts.permissions import ORG_WIDE_ROLES, StaffScope
from madoguchi.insights.constants import KPI_UNITS, LOWER_IS_BETTER, Kpi, Metric, Unit
from madoguchi.insights.models import KpiTarget, MonthlyFigure, MonthRefresh, PaperProcedure
from madoguchi.procedures.constants import VersionStatus
from madoguchi.procedures.models import Procedure, ProcedureVersion

# ---------------------------------------------------------------------------- who sees what


@dataclass
class InsightsScope:
    """Per organization: ``None`` = every department (management), else the departments seen.

    Management (DX推進本部, docs/kpi.md) is a grant without a department or with an
    organization-wide role (admin, auditor, centre); any other staff grant shows its own
    department (and the departments below it).
    """

    organizations: dict[int, set[int] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, user: User) -> InsightsScope:
        if user.is_superuser:
            return cls({pk: None for pk in Organization.objects.values_list("pk", flat=True)})
        seen: dict[int, set[int] | None] = {}
        for grant in StaffScope.of(user).grants:
            if grant.department_id is None or grant.role in ORG_WIDE_ROLES:
                seen[grant.organization_id] = None
            elif seen.get(grant.organization_id, set()) is not None:
                departments = seen.setdefault(grant.organization_id, set())
                assert departments is not None
                departments |= _with_children(grant.department_id)
        return cls(seen)

    def sees_whole(self, organization_id: int) -> bool:
        return organization_id in self.organizations and self.organizations[organization_id] is None

    def departments(self, organization_id: int) -> set[int] | None:
        return self.organizations.get(organization_id)


def _with_children(department_id: int) -> set[int]:
    found, frontier = {department_id}, {department_id}
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def insights_organizations(*, scope: InsightsScope) -> list[Organization]:
    return list(Organization.objects.filter(pk__in=scope.organizations.keys()).order_by("pk"))


def access_organization(*, scope: InsightsScope, slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug, pk__in=scope.organizations.keys()).first()
    if organization is None:
        raise Http404
    return organization


def access_department(*, scope: InsightsScope, organization: Organization, department_id: int) -> Department:
    department = Department.objects.filter(organization=organization, pk=department_id).first()
    allowed = scope.departments(organization.pk)
    if department is None or (allowed is not None and department.pk not in allowed):
        raise Http404
    return department


def access_procedure(*, scope: InsightsScope, organization: Organization, procedure_id: int) -> Procedure:
    procedure = Procedure.objects.filter(organization=organization, pk=procedure_id).first()
    allowed = scope.departments(organization.pk)
    if procedure is None or (allowed is not None and procedure.department_id not in allowed):
        raise Http404
    return procedure


# ---------------------------------------------------------------------------- periods


def fiscal_year_of(day: dt.date) -> int:
    """年度: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_months(fiscal_year: int) -> list[dt.date]:
    return [dt.date(fiscal_year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


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


def figures_by(
    *,
    organization: Organization,
    months: list[dt.date],
    group: str,
    departments: set[int] | None = None,
    procedure_id: int | None = None,
) -> dict[Any, Figures]:
    """Figures grouped by ``group`` ("month", "department_id", "procedure_id" or "all")."""
    qs = _filtered(
        organization=organization, months=months, departments=departments, procedure_id=procedure_id
    )
    result: dict[Any, Figures] = defaultdict(Figures)
    keys = [] if group == "all" else [group]
    for row in qs.values(*keys, "metric").annotate(total=Sum("value")).order_by():
        result[row[group] if keys else None].values[row["metric"]] += row["total"] or 0
    histo_rows = qs.filter(histogram__isnull=False).values_list(*(keys or ["metric"]), "metric", "histogram")
    for row in histo_rows:
        key = row[0] if keys else None
        metric, histogram = row[-2], row[-1]
        for days, count in (histogram or {}).items():
            result[key].histograms[metric][int(days)] += count
    _add_paper(
        result,
        organization=organization,
        months=months,
        group=group,
        departments=departments,
        procedure_id=procedure_id,
    )
    return dict(result)


def _add_paper(
    result: dict[Any, Figures],
    *,
    organization: Organization,
    months: list[dt.date],
    group: str,
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
    for item in qs:
        for month in months:
            if fiscal_year_of(month) != item.fiscal_year:
                continue
            key = {
                "month": month,
                "department_id": item.department_id,
                "procedure_id": item.procedure_id,
                "all": None,
            }[group]
            if group == "procedure_id" and key is None:
                continue  # a paper-only procedure has no row of its own in a per-procedure table
            result[key].paper += item.paper_count / 12


# ---------------------------------------------------------------------------- KPIs


@dataclass
class KpiValue:
    kpi: str
    value: float | None  # None: no data yet
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None

    @property
    def unit(self) -> str:
        return KPI_UNITS.get(self.kpi, Unit.RATE)

    @property
    def label(self) -> str:
        return str(dict(Kpi.choices).get(self.kpi, self.kpi))

    @property
    def display(self) -> str:
        return self._format(self.value)

    @property
    def target_display(self) -> str:
        return self._format(self.target)

    @property
    def meets_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value <= self.target if self.kpi in LOWER_IS_BETTER else self.value >= self.target

    def _format(self, value: float | None) -> str:
        if value is None:
            return ""
        if self.unit == Unit.RATE:
            return f"{value * 100:.1f}%"
        if self.unit == Unit.SCORE:
            return f"{value:+.0f}"
        return f"{value:.1f}"


def _rate(kpi: str, numerator: float, denominator: float) -> KpiValue:
    if not denominator:
        return KpiValue(kpi, None, numerator, denominator)
    return KpiValue(kpi, numerator / denominator, numerator, denominator)


def percentile(histogram: Counter[int], share: float) -> float | None:
    """The smallest value with at least ``share`` of the observations at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    needed, running = share * total, 0
    for days in sorted(histogram):
        running += histogram[days]
        if running >= needed:
            return float(days)
    return float(max(histogram))


def kpis_of(figures: Figures) -> dict[str, KpiValue]:
    """Every KPI that can be computed from summed figures (オンライン化率 is per procedure list:
    see ``online_procedure_rate``)."""
    v = figures.values
    online = v[Metric.APPS_ONLINE]
    all_apps = online + v[Metric.APPS_COUNTER] + v[Metric.APPS_BULK] + figures.paper
    submitted = online + v[Metric.APPS_COUNTER] + v[Metric.APPS_BULK]
    processing = figures.histograms.get(Metric.PROCESSING_DAYS, Counter())
    chats = v[Metric.CHATS]
    result: dict[str, KpiValue] = {
        Kpi.ONLINE_USE_RATE: _rate(Kpi.ONLINE_USE_RATE, online, all_apps),
        Kpi.PROCESSING_MEDIAN: KpiValue(
            Kpi.PROCESSING_MEDIAN, percentile(processing, 0.5), None, sum(processing.values())
        ),
        Kpi.PROCESSING_P90: KpiValue(
            Kpi.PROCESSING_P90, percentile(processing, 0.9), None, sum(processing.values())
        ),
        Kpi.WITHIN_STANDARD_RATE: _rate(
            Kpi.WITHIN_STANDARD_RATE, v[Metric.WITHIN_STANDARD], v[Metric.WITH_STANDARD]
        ),
        Kpi.CORRECTION_RATE: _rate(Kpi.CORRECTION_RATE, v[Metric.CORRECTED], submitted),
        Kpi.WITHDRAWAL_RATE: _rate(Kpi.WITHDRAWAL_RATE, v[Metric.WITHDRAWN], submitted),
        Kpi.E_DECISION_RATE: _rate(Kpi.E_DECISION_RATE, v[Metric.CASES_ELECTRONIC], v[Metric.CASES_DECIDED]),
        Kpi.SATISFACTION: _rate(Kpi.SATISFACTION, v[Metric.REVIEWS_HIGH], v[Metric.REVIEWS]),
        Kpi.NPS: (
            KpiValue(
                Kpi.NPS,
                100 * (v[Metric.NPS_PROMOTERS] - v[Metric.NPS_DETRACTORS]) / v[Metric.NPS_ANSWERS],
                v[Metric.NPS_PROMOTERS] - v[Metric.NPS_DETRACTORS],
                v[Metric.NPS_ANSWERS],
            )
            if v[Metric.NPS_ANSWERS]
            else KpiValue(Kpi.NPS, None)
        ),
        Kpi.NO_SHOW_RATE: _rate(
            Kpi.NO_SHOW_RATE,
            v[Metric.BOOKINGS_NO_SHOW],
            v[Metric.BOOKINGS_NO_SHOW] + v[Metric.BOOKINGS_ATTENDED],
        ),
        Kpi.ZERO_RESULT_RATE: _rate(Kpi.ZERO_RESULT_RATE, v[Metric.SEARCHES_ZERO], v[Metric.SEARCHES]),
        Kpi.CHAT_RESOLUTION: _rate(Kpi.CHAT_RESOLUTION, chats - v[Metric.CHATS_UNANSWERED], chats),
        Kpi.IDEA_ANSWER_DAYS: KpiValue(
            Kpi.IDEA_ANSWER_DAYS, percentile(figures.histograms.get(Metric.IDEAS_ANSWER_DAYS, Counter()), 0.5)
        ),
        Kpi.CASHLESS_RATE: _rate(Kpi.CASHLESS_RATE, v[Metric.PAYMENTS_CASHLESS], v[Metric.PAYMENTS]),
    }
    return result


def online_procedure_rate(
    *, organization: Organization, fiscal_year: int, departments: set[int] | None = None
) -> KpiValue:
    """オンライン化率 at the end of a fiscal year: procedures online by then ÷ (those + the
    paper-only procedures registered for that year)."""
    year_end = dt.datetime.combine(
        dt.date(fiscal_year + 1, 4, 1), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    online = ProcedureVersion.objects.filter(
        procedure__organization=organization, status=VersionStatus.PUBLISHED
    )
    if departments is not None:
        online = online.filter(procedure__department_id__in=departments)
    online_count = (
        online.values("procedure_id").annotate(first=Min("published_at")).filter(first__lt=year_end).count()
    )
    paper = PaperProcedure.objects.filter(
        organization=organization, fiscal_year=fiscal_year, procedure__isnull=True
    )
    if departments is not None:
        paper = paper.filter(department_id__in=departments)
    paper_count = paper.count()
    return _rate(Kpi.ONLINE_PROCEDURE_RATE, online_count, online_count + paper_count)


def targets_for(*, organization: Organization, fiscal_year: int) -> dict[str, float]:
    """Targets of a year: the organization's own over the defaults for every organization,
    a year's own over the one for every year."""
    rows = KpiTarget.objects.filter(Q(organization=organization) | Q(organization__isnull=True)).filter(
        Q(fiscal_year=fiscal_year) | Q(fiscal_year__isnull=True)
    )
    ranked = sorted(rows, key=lambda t: (t.organization_id is not None, t.fiscal_year is not None))
    return {t.kpi: t.value for t in ranked}


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


def dashboard_build(
    *,
    scope: InsightsScope,
    organization: Organization,
    fiscal_year: int,
    department_id: int | None = None,
    procedure_id: int | None = None,
) -> Dashboard:
    """Everything one dashboard page shows, from the aggregates only."""
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
    if procedure is not None and department is None and procedure.department_id:
        department = procedure.department
    departments: set[int] | None = allowed
    if department is not None:
        departments = _with_children(department.pk)
        if allowed is not None:
            departments &= allowed
    months = fiscal_months(fiscal_year)
    targets = targets_for(organization=organization, fiscal_year=fiscal_year)
    procedure_pk = procedure.pk if procedure else None

    def grouped(group: str) -> dict[Any, Figures]:
        return figures_by(
            organization=organization,
            months=months,
            group=group,
            departments=departments,
            procedure_id=procedure_pk,
        )

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
    years = [fiscal_year - 2, fiscal_year - 1, fiscal_year]
    online_procedures = []
    for year in years:
        rate = online_procedure_rate(organization=organization, fiscal_year=year, departments=departments)
        rate.target = targets_for(organization=organization, fiscal_year=year).get(Kpi.ONLINE_PROCEDURE_RATE)
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
