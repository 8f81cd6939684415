"""The CKAN Action API subset, through the real ``ckanapi`` client against a live server."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from ckanapi import NotFound, RemoteCKAN, ValidationError

from madoguchi.core.testing import make_organization, make_procedure
from madoguchi.insights.constants import Metric
from madoguchi.insights.models import MonthlyFigure, MonthRefresh
from madoguchi.insights.selectors import fiscal_months, fiscal_year_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(db):
    org = make_organization(slug="ckanorg", name="テスト市")
    small, large = make_procedure(org, title="小さな手続"), make_procedure(org, title="大きな手続")
    months = fiscal_months(fiscal_year_of(dt.date.today()))
    for month, (a, b) in zip(months[:3], [(3, 40), (25, 50), (30, 60)], strict=True):
        MonthlyFigure.objects.create(
            organization=org, procedure=small, month=month, metric=Metric.APPS_ONLINE, value=a
        )
        MonthlyFigure.objects.create(
            organization=org, procedure=large, month=month, metric=Metric.APPS_ONLINE, value=b
        )
    MonthRefresh.objects.create(organization=org, month=months[0], refreshed_at=dt.datetime.now(dt.UTC))
    return org


def test_ckanapi_lists_shows_and_searches(live_server, published):
    ckan = RemoteCKAN(live_server.url, user_agent="madoguchi-test")
    assert ckan.action.status_show()["ckan_version"]
    assert ckan.action.package_list() == ["ckanorg-applications-monthly"]
    package = ckan.action.package_show(id="ckanorg-applications-monthly")
    assert package["organization"]["name"] == "ckanorg"
    assert package["resources"][0]["format"] == "CSV"
    found = ckan.action.package_search(fq="organization:ckanorg res_format:CSV", rows=1, start=0)
    assert found["count"] == 1 and found["results"][0]["name"] == package["name"]
    assert ckan.action.package_search(fq="organization:other")["count"] == 0
    assert ckan.action.organization_list() == ["ckanorg"]
    assert ckan.action.organization_show(id="ckanorg")["title"] == "テスト市"
    assert ckan.action.resource_show(id=package["resources"][0]["id"])["url"].endswith(".csv")
    with pytest.raises(NotFound):
        ckan.action.package_show(id="nope")
    with pytest.raises(ValidationError):
        ckan.action.package_search(rows="many")


def test_get_on_both_paths_answers_the_ckan_envelope(client, published):
    for path in ("/api/3/action/package_list", "/api/action/package_list"):
        body = client.get(path).json()
        assert (
            body["success"] is True and body["result"] == ["ckanorg-applications-monthly"] and "help" in body
        )
    missing = client.get("/api/3/action/package_show?id=nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["__type"] == "Not Found Error"


def test_the_published_csv_hides_small_counts_and_their_partners(client, published):
    response = client.get("/opendata/ckanorg-applications-monthly/ckanorg-applications-monthly-csv.csv")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], {r[0]: r[1:] for r in rows[1:]}
    assert header[0] == "手続" and header[-1] == "合計"
    assert body["小さな手続"][0] == "x"  # 3 < 10
    assert body["大きな手続"][0] == "x"  # its column partner: else 43 − 40 reveals the 3
    assert sum(v == "x" for v in body["小さな手続"]) >= 2
    assert "3" not in body["小さな手続"]
