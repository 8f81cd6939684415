"""The dashboard pages: who sees what, charts, exports, paper procedures."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff
from madoguchi.insights.models import PaperProcedure
from madoguchi.insights.services import figures_refresh_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed(fixture):
    figures_refresh_changed()
    return fixture


def url(fixture, *args, name="insights:dashboard", **query):
    base = reverse(name, args=[fixture.office.org.slug, *args])
    query.setdefault("year", 2026)
    return base + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_management_sees_every_department_and_drills_down_to_a_procedure(client, refreshed):
    client.force_login(refreshed.manager)
    page = client.get(url(refreshed))
    assert page.status_code == 200
    text = page.content.decode()
    assert "保険課" in text and "福利課" in text
    assert "集計時点" in text
    dept = client.get(url(refreshed, department=refreshed.office.dept_a.pk))
    assert refreshed.office.procedure_a.title in dept.content.decode()
    proc = client.get(url(refreshed, procedure=refreshed.office.procedure_a.pk))
    assert proc.status_code == 200


def test_department_staff_see_their_department_only(client, refreshed):
    client.force_login(refreshed.office.reviewer_b)
    page = client.get(url(refreshed))
    assert page.status_code == 200
    text = page.content.decode()
    assert "福利課" in text and "保険課" not in text
    assert client.get(url(refreshed, department=refreshed.office.dept_a.pk)).status_code == 404
    assert client.get(url(refreshed, procedure=refreshed.office.procedure_a.pk)).status_code == 404
    assert (
        client.get(
            url(refreshed, "monthly", "csv", name="insights:export", department=refreshed.office.dept_a.pk)
        ).status_code
        == 404
    )


def test_other_organizations_and_applicants_get_404(client, refreshed):
    other = make_staff(make_organization(), Role.ADMIN, None)
    client.force_login(other)
    assert client.get(url(refreshed)).status_code == 404
    client.force_login(refreshed.applicant)
    assert client.get(url(refreshed)).status_code == 404


def test_a_chart_is_an_accessible_svg_without_script(client, refreshed):
    client.force_login(refreshed.manager)
    response = client.get(url(refreshed, "use", name="insights:chart"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert "<title" in svg and "<desc" in svg and 'role="img"' in svg
    assert "<script" not in svg
    assert "script-src" not in response["Content-Security-Policy"]
    assert client.get(url(refreshed, "nope", name="insights:chart")).status_code == 404


def test_exports_csv_with_bom_and_excel(client, refreshed):
    client.force_login(refreshed.manager)
    csv_response = client.get(url(refreshed, "monthly", "csv", name="insights:export"))
    assert csv_response.status_code == 200
    body = b"".join(csv_response.streaming_content)
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("月,申請件数")
    assert len(lines) == 13
    may = next(line for line in lines if line.startswith("2026-05"))
    assert may.split(",")[1] == "6"
    xlsx = client.get(url(refreshed, "breakdown", "xlsx", name="insights:export"))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    rows = list(book.active.values)
    assert rows[0][0] == "区分"
    assert {r[0] for r in rows[1:]} >= {"保険課", "福利課"}


def test_paper_procedure_form_keeps_input_and_answers_422(client, refreshed):
    client.force_login(refreshed.manager)
    page = url(refreshed, name="insights:paper")
    response = client.post(page, {"title": "紙の届出", "fiscal_year": "２０２６", "paper_count": "abc"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "紙の届出" in text and "数字で入力してください" in text
    response = client.post(
        page, {"title": "紙の届出", "fiscal_year": "２０２６", "paper_count": "１，２００"}
    )
    assert response.status_code == 302
    item = PaperProcedure.objects.get(title="紙の届出")
    assert (item.fiscal_year, item.paper_count) == (2026, 1200)


def test_department_staff_register_paper_only_for_their_department(client, refreshed):
    client.force_login(refreshed.office.reviewer_b)
    page = url(refreshed, name="insights:paper")
    response = client.post(
        page,
        {
            "title": "紙",
            "fiscal_year": "2026",
            "paper_count": "3",
            "department": refreshed.office.dept_a.slug,
        },
    )
    assert response.status_code == 422
    response = client.post(
        page,
        {
            "title": "紙",
            "fiscal_year": "2026",
            "paper_count": "3",
            "department": refreshed.office.dept_b.slug,
        },
    )
    assert response.status_code == 302


def test_csv_import_all_rows_or_none(client, refreshed):
    client.force_login(refreshed.manager)
    page = reverse("insights:paper_import", args=[refreshed.office.org.slug])
    bad = "手続名,年度,件数\n許可申請,2026,10\n届出,2026,x\n".encode("utf-8-sig")
    response = client.post(page, {"file": io.BytesIO(bad)})
    assert response.status_code == 422
    assert "3 行目" in response.content.decode()
    assert not PaperProcedure.objects.exists()
    good = "手続名,年度,件数,部署\n許可申請,2026,10,\n届出,２０２６,２０,\n".encode("cp932")
    response = client.post(page, {"file": io.BytesIO(good)})
    assert response.status_code == 302
    assert PaperProcedure.objects.count() == 2


def test_management_can_refresh_now_and_others_cannot(client, fixture):
    page = reverse("insights:refresh", args=[fixture.office.org.slug])
    client.force_login(fixture.office.reviewer_b)
    assert client.post(page).status_code == 404
    client.force_login(fixture.manager)
    response = client.post(page, {"query": "year=2026"})
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2026")
    assert "2026-05" in client.get(url(fixture)).content.decode()


def test_the_demo_history_gives_a_year_of_figures(db):
    from madoguchi.demo.loader import load_demo
    from madoguchi.insights.demo import load_insights_demo

    load_demo()
    load_insights_demo()
    load_insights_demo()  # idempotent
    from madoguchi.accounts.models import Organization

    tokyo = Organization.objects.get(slug="tokyo")
    months = set(
        __import__("madoguchi.insights.models", fromlist=["MonthlyFigure"])
        .MonthlyFigure.objects.filter(organization=tokyo)
        .values_list("month", flat=True)
    )
    assert len(months) >= 12


def test_the_dashboard_speaks_english_from_its_own_catalog(client, refreshed):
    from django.utils import translation

    client.force_login(refreshed.manager)
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        text = client.get(url(refreshed), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Key figures" in text and "Online use rate" in text


def test_the_dashboard_reads_the_aggregates_once_whatever_the_number_of_rows(refreshed):
    """One read of MonthlyFigure per page (never the applications), the same number of
    statements with one month of figures as with a year of them for more procedures."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from madoguchi.core.testing import make_procedure
    from madoguchi.insights import selectors
    from madoguchi.insights.constants import Metric
    from madoguchi.insights.models import MonthlyFigure

    org = refreshed.office.org
    scope = selectors.InsightsScope.of(refreshed.manager)

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            selectors.dashboard_build(scope=scope, organization=org, fiscal_year=2026)
        return [q["sql"] for q in ctx.captured_queries]

    before = statements()
    extra = [make_procedure(org, department=refreshed.office.dept_a) for _ in range(5)]
    MonthlyFigure.objects.bulk_create(
        MonthlyFigure(
            organization=org,
            department=refreshed.office.dept_a,
            procedure=p,
            month=dt.date(2026 + (m < 4), m, 1),
            metric=Metric.APPS_ONLINE,
            value=7,
        )
        for p in extra
        for m in range(1, 13)
    )
    from django.core.cache import cache

    cache.clear()
    after = statements()
    assert len(after) == len(before)
    assert sum('FROM "insights_monthlyfigure"' in sql for sql in after) == 1
    assert not any('FROM "applications_application"' in sql for sql in after)
    # the same page again comes from the cache: the aggregates are not read
    assert not any('FROM "insights_monthlyfigure"' in sql for sql in statements())


def test_a_cached_dashboard_is_computed_again_once_its_figures_change(refreshed):
    import datetime as dt

    from madoguchi.insights import selectors
    from madoguchi.insights.models import PaperProcedure
    from madoguchi.insights.services import figures_refresh_month

    org = refreshed.office.org
    scope = selectors.InsightsScope.of(refreshed.manager)
    first = selectors.dashboard_build(scope=scope, organization=org, fiscal_year=2026)
    PaperProcedure.objects.create(organization=org, title="紙だけの手続", fiscal_year=2026, paper_count=1200)
    with_paper = selectors.dashboard_build(scope=scope, organization=org, fiscal_year=2026)
    assert with_paper is not first and with_paper.online_procedures != first.online_procedures
    figures_refresh_month(organization=org, month=dt.date(2026, 5, 1))
    assert (
        selectors.dashboard_build(scope=scope, organization=org, fiscal_year=2026).as_of != with_paper.as_of
    )
