import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.testing import make_organization
from madoguchi.feedback.models import Review, ReviewPoint
from madoguchi.feedback.selectors import figures_total, point_trend
from madoguchi.feedback.services import review_point_create

pytestmark = pytest.mark.django_db


def _review(point, satisfaction, nps=None, held=False, days_ago=1):
    return Review.objects.create(
        point=point,
        organization_id_copy=point.organization_id,
        satisfaction=satisfaction,
        nps=nps,
        held=held,
        submitted_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def test_high_rate_is_the_share_of_four_and_five_and_nps_is_promoters_minus_detractors():
    point = review_point_create(actor=None, organization=make_organization(), kind="counter", name="窓口")
    for satisfaction, nps in [(5, 10), (4, 9), (4, 8), (3, 6), (1, 0), (5, None)]:
        _review(point, satisfaction, nps)
    _review(point, 1, 0, held=True)  # held: not counted
    _review(point, 1, 0, days_ago=400)  # outside the period
    figures = figures_total(
        points=ReviewPoint.objects.filter(pk=point.pk), since=timezone.now() - dt.timedelta(days=90)
    )
    assert figures.count == 6
    assert figures.high_percent == 67  # 4 of 6
    assert figures.meets_target is False
    assert figures.nps == 0  # 2 promoters, 2 detractors of 5


def test_trend_lists_every_month_even_empty_ones():
    point = review_point_create(actor=None, organization=make_organization(), kind="counter", name="窓口")
    _review(point, 5, days_ago=0)
    trend = point_trend(point=point, months=6)
    assert len(trend) == 6
    assert trend[-1][1].count == 1 and sum(f.count for _m, f in trend[:-1]) == 0
