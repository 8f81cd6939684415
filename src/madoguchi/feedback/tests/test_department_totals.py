"""Per-department totals on the staff page, against the 70 % target."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_department, make_organization, make_staff
from madoguchi.feedback.models import Review, ReviewPoint
from madoguchi.feedback.selectors import departments_overview
from madoguchi.feedback.services import review_point_create

pytestmark = pytest.mark.django_db


def _reviews(point, *satisfactions, days_ago=1):
    for satisfaction in satisfactions:
        Review.objects.create(
            point=point,
            organization_id_copy=point.organization_id,
            satisfaction=satisfaction,
            submitted_at=timezone.now() - dt.timedelta(days=days_ago),
        )


@pytest.fixture
def city():
    organization = make_organization()
    shimin, hoken = (
        make_department(organization, name="市民課"),
        make_department(organization, name="保険年金課"),
    )

    def point(name, department):
        return review_point_create(
            actor=None, organization=organization, kind="counter", name=name, department=department
        )

    points = {
        "shimin1": point("市民課 1番窓口", shimin),
        "shimin2": point("市民課 2番窓口", shimin),
        "hoken": point("保険年金課 窓口", hoken),
        "lobby": point("総合案内", None),
    }
    _reviews(points["shimin1"], 5, 5, 4)  # 3 of 3 high
    _reviews(points["shimin2"], 4, 2)  # 1 of 2 high → 市民課: 4 of 5 = 80 %
    _reviews(points["hoken"], 5, 3, 2, 1)  # 1 of 4 = 25 %
    _reviews(points["hoken"], 1, 1, days_ago=200)  # outside 90 days
    return organization, shimin, hoken, points


def test_each_department_adds_up_its_points_and_compares_with_the_target(city):
    organization, shimin, hoken, _points = city
    rows = departments_overview(
        points=ReviewPoint.objects.filter(organization=organization),
        since=timezone.now() - dt.timedelta(days=90),
    )
    by_name = {row.department_name: row for row in rows}
    assert [row.department_name for row in rows] == ["保険年金課", "市民課", ""]  # no department last
    assert by_name["市民課"].points == 2 and by_name["市民課"].figures.count == 5
    assert by_name["市民課"].figures.high_percent == 80 and by_name["市民課"].gap_points == 10
    assert by_name["保険年金課"].figures.high_percent == 25 and by_name["保険年金課"].gap_points == -45
    assert by_name["保険年金課"].figures.meets_target is False
    assert by_name[""].points == 1 and by_name[""].figures.count == 0 and by_name[""].gap_points is None


def test_the_staff_page_shows_departments_and_filters_the_points_by_one(client, city):
    organization, shimin, hoken, _points = city
    client.force_login(make_staff(organization, Role.ADMIN))
    page = client.get(reverse("feedback:staff_index")).content.decode()
    assert "部署ごと" in page and "+10ポイント（達成）" in page and "-45ポイント（未達）" in page
    only = client.get(reverse("feedback:staff_index"), {"department": hoken.pk}).content.decode()
    assert "保険年金課 窓口" in only and "市民課 1番窓口" not in only
    csv = b"".join(
        client.get(reverse("feedback:staff_export_csv"), {"department": shimin.pk}).streaming_content
    ).decode("utf-8-sig")
    assert "市民課 1番窓口" in csv and "保険年金課 窓口" not in csv


def test_staff_of_one_department_see_only_their_department_and_the_shared_points(client, city):
    organization, shimin, hoken, _points = city
    client.force_login(make_staff(organization, Role.REVIEWER, department=shimin))
    page = client.get(reverse("feedback:staff_index")).content.decode()
    assert "市民課 1番窓口" in page and "総合案内" in page
    assert "保険年金課" not in page
