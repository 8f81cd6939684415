"""Published datasets on fixed figures: two procedures, two departments, three months."""

from __future__ import annotations

import datetime as dt

import pytest

from madoguchi.core.testing import make_department, make_organization, make_procedure
from madoguchi.insights.constants import Metric
from madoguchi.insights.models import MonthlyFigure
from madoguchi.insights.selectors import fiscal_months, fiscal_year_of
from madoguchi.opendata.services import datasets_publish

FY = fiscal_year_of(dt.date.today())


def figure(org, metric, month, value, *, procedure=None, department=None, histogram=None):
    MonthlyFigure.objects.create(
        organization=org,
        procedure=procedure,
        department=department,
        month=month,
        metric=metric,
        value=value,
        histogram=histogram,
    )


@pytest.fixture
def published(db):
    org = make_organization(slug="ckanorg", name="テスト市")
    small, large = make_procedure(org, title="小さな手続"), make_procedure(org, title="大きな手続")
    hoken, fukushi = make_department(org, name="保険課"), make_department(org, name="福祉課")
    kosodate = make_department(org, name="子育て課")
    months = fiscal_months(FY)
    # applications: online / counter per procedure; month 3 of the small one is tiny everywhere
    for month, (a, b, c) in zip(months[:3], [(3, 40, 12), (25, 50, 0), (30, 60, 15)], strict=True):
        figure(org, Metric.APPS_ONLINE, month, a, procedure=small)
        figure(org, Metric.APPS_ONLINE, month, b, procedure=large)
        figure(org, Metric.APPS_COUNTER, month, c, procedure=large)
    figure(org, Metric.APPS_COUNTER, months[3], 4, procedure=small)  # a month whose total is 4
    # processing: decisions with a histogram of days
    figure(org, Metric.DECIDED, months[0], 30, procedure=large)
    figure(org, Metric.PROCESSING_DAYS, months[0], 0, procedure=large, histogram={"3": 10, "5": 10, "20": 10})
    figure(org, Metric.WITH_STANDARD, months[0], 30, procedure=large)
    figure(org, Metric.WITHIN_STANDARD, months[0], 27, procedure=large)
    # satisfaction and e-decisions per department
    for department, reviews, high in ((hoken, 40, 30), (fukushi, 5, 5), (kosodate, 30, 20)):
        figure(org, Metric.REVIEWS, months[0], reviews, department=department)
        figure(org, Metric.REVIEWS_HIGH, months[0], high, department=department)
    figure(org, Metric.CASES_DECIDED, months[0], 50, department=hoken)
    figure(org, Metric.CASES_ELECTRONIC, months[0], 45, department=hoken)
    figure(org, Metric.BOOKINGS_ATTENDED, months[1], 18, department=fukushi)
    figure(org, Metric.BOOKINGS_NO_SHOW, months[1], 2, department=fukushi)
    figure(org, Metric.BOOKINGS_ATTENDED, months[2], 30, department=fukushi)
    datasets_publish()
    return org


def name(kind: str) -> str:
    return f"ckanorg-{kind}-fy{FY}"
