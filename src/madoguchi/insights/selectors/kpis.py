"""The KPIs computed from summed figures (formulas: docs/kpi.md) and their targets."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Min, Q
from django.utils import timezone

from madoguchi.accounts.models import Organization
from madoguchi.insights.constants import KPI_UNITS, LOWER_IS_BETTER, Kpi, Metric, Unit
from madoguchi.insights.models import KpiTarget, PaperProcedure
from madoguchi.insights.selectors.figures import Figures
from madoguchi.procedures.constants import VersionStatus
from madoguchi.procedures.models import ProcedureVersion

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


def online_procedure_rates(
    *, organization: Organization, fiscal_years: list[int], departments: set[int] | None = None
) -> dict[int, KpiValue]:
    """オンライン化率 at the end of each fiscal year: procedures online by then ÷ (those + the
    paper-only procedures registered for that year). Two queries whatever the number of years."""
    online = ProcedureVersion.objects.filter(
        procedure__organization=organization, status=VersionStatus.PUBLISHED
    )
    if departments is not None:
        online = online.filter(procedure__department_id__in=departments)
    firsts = list(
        online.values("procedure_id").annotate(first=Min("published_at")).values_list("first", flat=True)
    )
    paper = PaperProcedure.objects.filter(
        organization=organization, fiscal_year__in=fiscal_years, procedure__isnull=True
    )
    if departments is not None:
        paper = paper.filter(department_id__in=departments)
    paper_counts = Counter(paper.values_list("fiscal_year", flat=True))
    rates = {}
    for year in fiscal_years:
        year_end = dt.datetime.combine(
            dt.date(year + 1, 4, 1), dt.time(), tzinfo=timezone.get_current_timezone()
        )
        online_count = sum(1 for first in firsts if first is not None and first < year_end)
        rates[year] = _rate(Kpi.ONLINE_PROCEDURE_RATE, online_count, online_count + paper_counts[year])
    return rates


def online_procedure_rate(
    *, organization: Organization, fiscal_year: int, departments: set[int] | None = None
) -> KpiValue:
    """オンライン化率 at the end of one fiscal year (see ``online_procedure_rates``)."""
    return online_procedure_rates(
        organization=organization, fiscal_years=[fiscal_year], departments=departments
    )[fiscal_year]


def targets_for_years(*, organization: Organization, fiscal_years: list[int]) -> dict[int, dict[str, float]]:
    """Targets of each year: the organization's own over the defaults for every organization,
    a year's own over the one for every year (one query)."""
    rows = list(
        KpiTarget.objects.filter(Q(organization=organization) | Q(organization__isnull=True)).filter(
            Q(fiscal_year__in=fiscal_years) | Q(fiscal_year__isnull=True)
        )
    )
    ranked = sorted(rows, key=lambda t: (t.organization_id is not None, t.fiscal_year is not None))
    return {year: {t.kpi: t.value for t in ranked if t.fiscal_year in (None, year)} for year in fiscal_years}


def targets_for(*, organization: Organization, fiscal_year: int) -> dict[str, float]:
    """Targets of a year (see ``targets_for_years``)."""
    return targets_for_years(organization=organization, fiscal_years=[fiscal_year])[fiscal_year]
