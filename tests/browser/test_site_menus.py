"""One layout and menus by role, in a browser (issue 13, "No way around the site").

An applicant on a phone finds 予約 and メールボックス in the menu, and the reservation pages
keep the same header (sign-out, language switch); staff on a desktop reach every page of
their menu by clicking it. The demo banner's API docs link opens Swagger UI served from this
site (no CDN, no CSP violation). axe on every page.
"""

from __future__ import annotations

from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s1_backoffice import DESKTOP

pytestmark = harness.BROWSER


def _menu_links(rec: harness.Recorder) -> list[tuple[str, str]]:
    links = rec.page.locator("nav.site-nav a")
    return [
        (links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())
    ]


def test_menus_lead_everywhere_in_one_layout(open_page, site):
    applicant = open_page(javascript=False)  # phone, no JavaScript
    harness.sign_in(applicant, "hanako@example.jp", check=False)
    applicant.goto("/")
    labels = [label for label, _href in _menu_links(applicant)]
    assert "メールボックス" in labels and "予約" in labels, labels
    page = applicant.page
    with page.expect_navigation():
        page.locator("nav.site-nav a", has_text="予約").first.click()
    applicant.check("reservations (public page, same layout)")
    assert page.locator("nav.site-nav button", has_text="English").count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name="予約の確認・変更・取消").click()
    applicant.check("my bookings")
    assert page.locator("nav.site-nav button", has_text="ログアウト").count() == 1
    with page.expect_navigation():
        page.locator("nav.site-nav button", has_text="English").click()
    applicant.check("my bookings in English")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.locator("nav.site-nav a", has_text="Mailbox").click()
    applicant.check("mailbox in English")

    staff = open_page(javascript=False, **DESKTOP)
    staff_sign_in(staff, "admin@example.jp")
    staff.goto("/staff/")
    links = _menu_links(staff)
    labels = [label for label, _href in links]
    for wanted in ("手続の作成", "一括提出", "FAQ・検索", "予約の管理", "通知・配信", "監査ログ"):
        assert wanted in labels, labels
    for label, href in links:
        staff.goto(href)
        staff.check(f"staff menu: {label}")
        assert staff.page.locator("nav.site-nav a", has_text="作業一覧").count() == 1, f"{href} lost the menu"

    docs = open_page(javascript=True, **DESKTOP)
    docs.goto("/api/v1/docs")
    # Swagger UI renders the whole OpenAPI document in the browser: seconds on a busy machine.
    docs.page.wait_for_selector(".swagger-ui .info", timeout=60_000)
    assert "Madoguchi API" in docs.page.locator(".swagger-ui .info").inner_text()

    for rec in (applicant, staff, docs):
        rec.assert_no_problems()
