"""Each KPI's formula on fixed activity (conftest.Fixture); docs/kpi.md."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.core.business_days import business_days_between as reference_business_days
from madoguchi.insights import selectors
from madoguchi.insights.constants import Kpi, Metric
from madoguchi.insights.models import KpiTarget, MonthlyFigure, PaperProcedure
from madoguchi.insights.services import figures_refresh_changed, figures_refresh_month
from madoguchi.insights.sources import business_days_between

pytestmark = pytest.mark.django_db

MAY, JUNE = dt.date(2026, 5, 1), dt.date(2026, 6, 1)


def kpis(fixture, months=(MAY, JUNE), **kwargs):
    org = fixture.office.org
    for month in months:
        figures_refresh_month(organization=org, month=month)
    figures = selectors.figures_by(organization=org, months=list(months), group="all", **kwargs)
    return selectors.kpis_of(figures.get(None, selectors.Figures()))


def test_business_days_agree_with_the_review_calendar():
    start = dt.date(2025, 12, 20)
    for offset in range(0, 40):
        end = start + dt.timedelta(days=offset)
        assert business_days_between(start, end) == reference_business_days(start, end)


def test_online_use_rate_counts_counter_and_paper_applications(fixture):
    values = kpis(fixture, months=(MAY,))
    assert values[Kpi.ONLINE_USE_RATE].numerator == 5
    assert values[Kpi.ONLINE_USE_RATE].denominator == 6
    PaperProcedure.objects.create(
        organization=fixture.office.org,
        procedure=fixture.office.procedure_a,
        department=fixture.office.dept_a,
        title="紙の申請書",
        fiscal_year=2026,
        paper_count=48,  # 4 a month
    )
    values = kpis(fixture, months=(MAY,))
    assert values[Kpi.ONLINE_USE_RATE].value == pytest.approx(5 / 10)


def test_processing_time_median_p90_and_share_within_standard(fixture):
    values = kpis(fixture)
    # business days: 2, 3, 5, 12, 18
    assert values[Kpi.PROCESSING_MEDIAN].value == 5
    assert values[Kpi.PROCESSING_P90].value == 18
    assert values[Kpi.WITHIN_STANDARD_RATE].numerator == 3
    assert values[Kpi.WITHIN_STANDARD_RATE].denominator == 5


def test_correction_and_withdrawal_rates(fixture):
    values = kpis(fixture, months=(MAY,))
    assert values[Kpi.CORRECTION_RATE].value == pytest.approx(1 / 6)
    assert values[Kpi.WITHDRAWAL_RATE].value == pytest.approx(1 / 6)


def test_e_decision_rate_by_the_month_of_decision(fixture):
    may = kpis(fixture, months=(MAY,))
    assert (may[Kpi.E_DECISION_RATE].numerator, may[Kpi.E_DECISION_RATE].denominator) == (4, 4)
    june = kpis(fixture, months=(JUNE,))
    assert june[Kpi.E_DECISION_RATE].value == 0.0
    both = kpis(fixture)
    assert both[Kpi.E_DECISION_RATE].value == pytest.approx(4 / 5)


def test_sources_not_built_yet_give_no_value_rather_than_zero(fixture):
    values = kpis(fixture)
    for kpi in (
        Kpi.SATISFACTION,
        Kpi.NPS,
        Kpi.CASHLESS_RATE,
        Kpi.IDEA_ANSWER_DAYS,
        Kpi.NO_SHOW_RATE,
    ):  # no rows
        assert values[kpi].value is None
        assert values[kpi].display == ""


def test_satisfaction_and_nps_from_review_figures():
    figures = selectors.Figures()
    figures.values.update(
        {
            Metric.REVIEWS: 10,
            Metric.REVIEWS_HIGH: 7,
            Metric.NPS_ANSWERS: 20,
            Metric.NPS_PROMOTERS: 9,
            Metric.NPS_DETRACTORS: 5,
        }
    )
    values = selectors.kpis_of(figures)
    assert values[Kpi.SATISFACTION].value == pytest.approx(0.7)
    assert values[Kpi.NPS].value == pytest.approx(20.0)


def test_no_show_zero_result_and_chat_resolution():
    figures = selectors.Figures()
    figures.values.update(
        {
            Metric.BOOKINGS_ATTENDED: 18,
            Metric.BOOKINGS_NO_SHOW: 2,
            Metric.SEARCHES: 50,
            Metric.SEARCHES_ZERO: 5,
            Metric.CHATS: 8,
            Metric.CHATS_UNANSWERED: 2,
        }
    )
    values = selectors.kpis_of(figures)
    assert values[Kpi.NO_SHOW_RATE].value == pytest.approx(0.1)
    assert values[Kpi.ZERO_RESULT_RATE].value == pytest.approx(0.1)
    assert values[Kpi.CHAT_RESOLUTION].value == pytest.approx(0.75)


def test_online_procedure_rate_counts_paper_only_procedures(fixture):
    org = fixture.office.org
    rate = selectors.online_procedure_rate(organization=org, fiscal_year=2026)
    assert (rate.numerator, rate.denominator) == (2, 2)
    PaperProcedure.objects.create(organization=org, title="紙だけの手続", fiscal_year=2026, paper_count=100)
    rate = selectors.online_procedure_rate(organization=org, fiscal_year=2026)
    assert rate.value == pytest.approx(2 / 3)
    # a procedure published only after the year ended does not count for that year
    assert selectors.online_procedure_rate(organization=org, fiscal_year=2010).numerator == 0


def test_department_figures_exclude_other_departments(fixture):
    values = kpis(fixture, departments={fixture.office.dept_b.pk})
    assert values[Kpi.ONLINE_USE_RATE].denominator == 1
    assert values[Kpi.PROCESSING_MEDIAN].value == 3


def test_refresh_replaces_a_month_instead_of_adding_to_it(fixture):
    org = fixture.office.org
    figures_refresh_month(organization=org, month=MAY)
    first = MonthlyFigure.objects.filter(organization=org, month=MAY).count()
    figures_refresh_month(organization=org, month=MAY)
    assert MonthlyFigure.objects.filter(organization=org, month=MAY).count() == first
    assert kpis(fixture, months=(MAY,))[Kpi.ONLINE_USE_RATE].denominator == 6


def test_refresh_changed_finds_the_months_with_activity(fixture):
    assert figures_refresh_changed() >= 2
    org = fixture.office.org
    assert MonthlyFigure.objects.filter(organization=org, month=MAY, metric=Metric.APPS_ONLINE).exists()
    assert MonthlyFigure.objects.filter(organization=org, month=JUNE, metric=Metric.CASES_DECIDED).exists()
    assert selectors.as_of(organization=org, months=[MAY]) is not None


def test_targets_prefer_the_organization_and_the_year(fixture):
    org = fixture.office.org
    KpiTarget.objects.create(kpi=Kpi.SATISFACTION, value=0.7)
    KpiTarget.objects.create(kpi=Kpi.ONLINE_PROCEDURE_RATE, fiscal_year=2026, value=0.9)
    KpiTarget.objects.create(kpi=Kpi.ONLINE_PROCEDURE_RATE, value=0.5)
    KpiTarget.objects.create(organization=org, kpi=Kpi.SATISFACTION, value=0.8)
    targets = selectors.targets_for(organization=org, fiscal_year=2026)
    assert targets[Kpi.SATISFACTION] == 0.8
    assert targets[Kpi.ONLINE_PROCEDURE_RATE] == 0.9
    assert selectors.targets_for(organization=org, fiscal_year=2027)[Kpi.ONLINE_PROCEDURE_RATE] == 0.5


def test_percentile_of_a_distribution():
    from collections import Counter

    assert selectors.percentile(Counter(), 0.5) is None
    assert selectors.percentile(Counter({1: 1, 2: 1, 3: 1, 4: 1}), 0.5) == 2
    assert selectors.percentile(Counter({1: 9, 30: 1}), 0.9) == 1
    assert selectors.percentile(Counter({1: 9, 30: 1}), 0.95) == 30


def test_cashless_ratio_from_settled_payments(fixture):
    from madoguchi.payments.models import Payment

    methods = ["card", "konbini", "cash"]
    for app, method in zip(fixture.apps_a[:3], methods, strict=True):
        Payment.objects.create(
            application=app,
            organization=fixture.office.org,
            procedure=app.procedure,
            applicant=app.applicant,
            status="paid",
            amount=300,
            paid_amount=300,
            method=method,
            paid_at=dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC),
            customer_number=f"T{app.pk.hex[:12]}",
        )
    values = kpis(fixture, months=(MAY,))
    assert (values[Kpi.CASHLESS_RATE].numerator, values[Kpi.CASHLESS_RATE].denominator) == (2, 3)
