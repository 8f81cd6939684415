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
    with narrow.page.expect_navigation():  # the language switch is a form: no JS needed
        narrow.page.locator("nav.site-nav button", has_text="English").click()
    assert narrow.page.locator("html").get_attribute("lang") == "en"
    english = narrow.page.inner_text("main")
    assert (
        "As of:" in english
        and "Online procedure rate" in english
        and "Satisfaction (high ratings)" in english
    )
    assert "集計時点" not in english and "オンライン化率" not in english
    narrow.check("dashboard at 320 px in English (no JS)")
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


BAD_TABLE = "全国地方公共団体コード,窓口,受付件数\r\n131040,新宿区役所 区民課,120件\r\n"
GOOD_TABLE = (
    "全国地方公共団体コード,窓口,受付件数\r\n131041,新宿区役所 区民課,120\r\n130001,都庁 総合窓口,300\r\n"
)


def choose_file(page, tmp_path, name: str, text: str, encoding: str = "utf-8") -> None:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    page.set_input_files("#id_file", str(path))


def test_s10_staff_publish_a_table_as_open_data_then_a_new_version_in_japanese_and_english(open_page, site):
    """The DX推進本部 member publishes a CSV (first with a unit in a number and a wrong check
    digit: the problems by row and column next to the file field, 422, what was typed kept), then
    a new version; a visitor sees it with its licence and versions; the same pages in English."""
    rec = open_page(javascript=True, **DESKTOP)
    staff_sign_in(rec, DX, "/staff/")
    follow(rec.page, "オープンデータの公開")
    assert rec.path == "/opendata/staff/tokyo/", rec.path
    assert "デジタル窓口の一覧" in rec.page.inner_text("main table")  # the demo's own
    rec.check("publish open data")
    page = rec.page
    page.fill("#id_title", "窓口別の受付件数")
    page.fill("#id_notes", "窓口ごとの年間の受付件数です。単位は件。")
    page.select_option("#id_department", "digital")
    page.fill("#id_tags", "窓口、受付件数")
    page.fill("#id_name", "counter-counts")
    assert page.is_checked("#id_license_1")  # 政府標準利用規約 2.0 by default
    choose_file(page, site.tmp, "counts.csv", BAD_TABLE, "cp932")
    with page.expect_response(
        lambda r: r.url.endswith("/opendata/staff/tokyo/") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="確かめて公開する").click()
    assert answer.value.status == 422
    problems = page.inner_text("#f-file")
    assert "2 行目・「全国地方公共団体コード」列" in problems and "2 行目・「受付件数」列" in problems
    assert page.input_value("#id_title") == "窓口別の受付件数"
    assert page.input_value("#id_name") == "counter-counts"
    rec.check("publish open data with problems in the file")
    choose_file(page, site.tmp, "counts.csv", GOOD_TABLE, "cp932")
    with page.expect_navigation():
        page.get_by_role("button", name="確かめて公開する").click()
    assert rec.path == "/opendata/staff/dataset/tokyo-counter-counts/", rec.path
    assert "データを公開しました" in page.inner_text("main")
    rec.check("published dataset (staff page)")
    choose_file(page, site.tmp, "counts-2.csv", GOOD_TABLE + "131041,新宿区役所 戸籍住民課,80\r\n")
    page.fill("#id_note", "戸籍住民課を追加")
    with page.expect_navigation():
        page.get_by_role("button", name="確かめて公開する").click()
    assert "第 2 版を公開しました" in page.inner_text("main")
    rec.check("second version published")

    visitor = open_page(javascript=False, width=320, height=800)
    visitor.goto("/opendata/?q=%E7%AA%93%E5%8F%A3%E5%88%A5")  # 窓口別
    with visitor.page.expect_navigation():
        visitor.page.locator(".dataset-list a", has_text="窓口別の受付件数").click()
    text = visitor.page.inner_text("main")
    assert "政府標準利用規約（第2.0版）（CC BY 4.0 互換）" in text
    assert "第 1 版の CSV" in text and "戸籍住民課" in text
    visitor.check("staff dataset, public page at 320 px (no JS)")
    assert visitor.horizontal_overflow() <= 0, visitor.horizontal_overflow()

    # English: the visitor's catalog and dataset, the staff page and its refusal
    public = open_page(javascript=True, **DESKTOP)
    public.goto("/opendata/")
    with public.page.expect_navigation():
        public.page.locator("nav.site-nav button", has_text="English").click()
    assert public.page.locator("html").get_attribute("lang") == "en"
    assert "Find datasets" in public.page.inner_text("main")
    public.check("open data catalog, in English")
    public.goto("/opendata/tokyo-counter-counts/")
    english = public.page.inner_text("main")
    assert "Licence" in english and "Versions" in english and "CSV of version 1" in english
    public.check("staff dataset, in English")
    with page.expect_navigation():
        page.locator("nav.site-nav button", has_text="English").click()
    choose_file(page, site.tmp, "renamed.csv", GOOD_TABLE.replace("受付件数", "件数"))
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/opendata/staff/dataset/" in r.url
    ) as answer:
        page.get_by_role("button", name="Check and publish").click()
    assert answer.value.status == 422
    assert "The headings differ from the previous version" in page.inner_text("#f-file")
    rec.check("new version refused, in English")

    # Withdraw it (a reason is required, told next to the field), the public page says why (410),
    # then put it back — in English
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/withdraw/")
    ) as answer:
        page.get_by_role("button", name="Withdraw", exact=True).click()
    assert answer.value.status == 422
    assert "Please enter the reason for withdrawing it" in page.inner_text("#f-reason")
    rec.check("withdrawal refused without a reason, in English")
    page.fill("#id_reason", "The counts of one counter were wrong.")
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw", exact=True).click()
    assert "Withdrawn from the catalog" in page.inner_text("main")
    rec.check("withdrawn dataset (staff page), in English")
    assert public.goto("/opendata/tokyo-counter-counts/").status == 410
    assert "The counts of one counter were wrong." in public.page.inner_text("main")
    public.check("withdrawn dataset, public page, in English")
    with page.expect_navigation():
        page.get_by_role("button", name="Put back in the catalog").click()
    assert public.goto("/opendata/tokyo-counter-counts/").status == 200
    assert "Licence" in public.page.inner_text("main")
    rec.assert_no_problems()
    visitor.assert_no_problems()
    public.assert_no_problems()
