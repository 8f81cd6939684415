"""Scenario S10 (DX推進本部 dashboard) in a browser, on the demo data.

The DX推進本部 member signs in, opens the KPI dashboard from the staff menu, reads the summary
against the targets and the charts, drills down from the organization to a department and a
procedure, downloads a table, registers a paper procedure (first with a mistake: the message is
next to the field and what was typed stays), and reads the dashboard at 320 px. Every page is
checked with axe, the CSP (console errors), the page weight and no foreign requests. Then anyone
(no sign-in) opens 「オープンデータ」 from the menu, searches, filters by organization, reads a
dataset with its preview and licence, downloads its CSV, and reads it at 320 px without JS.
"""

from __future__ import annotations

import re
import threading

import pytest

from madoguchi.demo import loader
from tests.browser import harness

pytestmark = harness.BROWSER


@pytest.fixture
def site(live_server, settings, tmp_path) -> harness.Site:
    """As tests/browser/conftest.py's, but the demo is loaded in a thread of its own: Playwright's
    event loop runs in this one, and the demo signs PDFs through pyhanko's asyncio.run()."""
    from django.db import connection

    from madoguchi.demo.extras import load_app_demos

    settings.EMAIL_BACKEND = "madoguchi.core.devmail.DevMailBackend"
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = False
    failure: list[BaseException] = []

    def load() -> None:
        try:
            loader.load_demo()
            list(load_app_demos())
        except BaseException as exc:  # re-raised below, in the test's thread
            failure.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=load)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return harness.Site(url=live_server.url, tmp=tmp_path)


DESKTOP = {"width": 1280, "height": 900}
DX = "tokyo-dx@example.jp"


def staff_sign_in(rec: harness.Recorder, email: str, next_path: str) -> None:
    page = rec.page
    rec.goto(f"/staff/login/?next={next_path}")
    page.fill("#id_email", email)
    page.fill("#id_password", loader.staff_password())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    harness.staff_second_factor(rec)
    assert rec.path.startswith(next_path), rec.path


def follow(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name).first.click()


def test_s10_dashboard_drill_down_export_and_paper_procedures(open_page, site):
    rec = open_page(javascript=True, **DESKTOP)
    staff_sign_in(rec, DX, "/staff/")
    follow(rec.page, "KPI ダッシュボード")
    assert rec.path == "/insights/tokyo/", rec.path
    text = rec.page.inner_text("main")
    assert "集計時点" in text and "満足度（高評価率）" in text and "オンライン化率" in text
    assert "70.0%" in text  # the 満足度 target
    for image in rec.page.locator("figure.chart img").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), image.get_attribute("src")
    rec.check("dashboard (organization)")
    rec.check_focus("dashboard (organization)")

    follow(rec.page, "総局 人事部 人材育成課".replace("総局", "総務局"))
    assert "department=" in rec.page.url
    rec.check("dashboard (department)")
    link = rec.page.locator("#breakdown ~ div table tbody a").first
    procedure_title = link.inner_text()
    with rec.page.expect_navigation():
        link.click()
    assert "procedure=" in rec.page.url
    assert procedure_title in rec.page.inner_text("h1")
    rec.check("dashboard (procedure)")

    with rec.page.expect_download() as download:
        rec.page.get_by_role("link", name="CSV").first.click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith("\ufeff月,申請件数".encode())

    follow(rec.page, "東京都")
    follow(rec.page, "紙で受け付けている手続と件数を登録する")
    rec.check("paper procedures")
    rec.page.fill("#id_title", "屋外広告物許可申請")
    rec.page.fill("#id_fiscal_year", "２０２６")
    rec.page.fill("#id_paper_count", "百二十")
    with rec.page.expect_navigation():
        rec.page.get_by_role("button", name="登録する").click()
    assert "数字で入力してください" in rec.page.inner_text("#f-paper_count")
    assert rec.page.input_value("#id_title") == "屋外広告物許可申請"
    rec.check("paper procedures with an error")
    rec.page.fill("#id_paper_count", "１２０")
    with rec.page.expect_navigation():
        rec.page.get_by_role("button", name="登録する").click()
    assert "屋外広告物許可申請" in rec.page.inner_text("main table")
    rec.check("paper procedure registered")

    narrow = open_page(javascript=False, width=320, height=800)
    staff_sign_in(narrow, DX, "/insights/tokyo/")
    narrow.check("dashboard at 320 px (no JS)")
    assert narrow.horizontal_overflow() <= 0, narrow.horizontal_overflow()

    # the public side: anyone finds the open data from the menu, filters, reads and downloads
    public = open_page(javascript=True, **DESKTOP)
    public.goto("/")
    follow(public.page, "オープンデータ")
    assert public.path == "/opendata/", public.path
    public.check("open data catalog")
    public.page.fill("#opendata-q", "満足度")
    with public.page.expect_navigation():
        public.page.locator("main form.opendata-search button[type=submit]").click()
    assert "満足度" in public.page.inner_text("#results ~ ul")
    public.check("open data search")
    with public.page.expect_navigation():  # the organization filter, with its count
        public.page.locator("#facet-organization ~ ul a", has_text=re.compile(r"^東京都（")).click()
    assert "organization=tokyo" in public.page.url
    with public.page.expect_navigation():
        public.page.locator(".dataset-list a").first.click()
    assert public.path.startswith("/opendata/tokyo-"), public.path
    assert "Creative Commons" in public.page.inner_text("main")
    public.check("open data dataset")
    with public.page.expect_download() as download:
        public.page.locator("main a[href$='.csv']").first.click()
    assert open(download.value.path(), "rb").read().startswith("\ufeff年度,".encode())

    plain = open_page(javascript=False, width=320, height=800)
    plain.goto("/opendata/?organization=tokyo")
    with plain.page.expect_navigation():
        plain.page.locator(".dataset-list a").first.click()
    plain.check("open data dataset at 320 px (no JS)")
    assert plain.horizontal_overflow() <= 0, plain.horizontal_overflow()
    rec.assert_no_problems()
    narrow.assert_no_problems()
    public.assert_no_problems()
    plain.assert_no_problems()
