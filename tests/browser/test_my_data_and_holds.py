"""Data lifecycle in a browser: an applicant finds アカウント in the menu, downloads their data
and closes the account on a 320 px screen without JavaScript; an administrator places a legal
hold from a case page. axe (WCAG 2.1 AA), no horizontal scroll, error next to the field."""

from __future__ import annotations

import json

from madoguchi.accounts.models import User
from madoguchi.demo.samples import load_sample_applications
from madoguchi.retention.models import LegalHold
from madoguchi.review.models import Case
from tests.browser import harness
from tests.browser.harness import staff_sign_in

pytestmark = harness.BROWSER

NARROW = {"width": 320, "height": 640}
PERSON = "yamada.kaede@example.jp"


def submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def test_an_applicant_downloads_their_data_and_closes_the_account(open_page, site):
    rec = open_page(javascript=False, **NARROW)
    harness.sign_in(rec, PERSON, check=False)
    page = rec.page

    with page.expect_navigation():
        page.locator("nav.site-nav a", has_text="アカウント").click()
    assert rec.path == "/records/me/"
    rec.check("account page")
    data = page.request.get(site.url + "/records/me/data.json")
    assert json.loads(data.body())["account"]["email"] == PERSON
    assert page.request.get(site.url + "/records/me/data.pdf").body().startswith(b"%PDF")

    with page.expect_navigation():
        page.get_by_role("link", name="アカウントを閉じる手続に進む").click()
    rec.check("close page")
    submit(page)  # without ticking the box
    assert page.locator("#id_confirm-error").inner_text().strip().endswith("チェックを入れてください。")
    # The form with an error answers 422 on purpose; Chromium logs that status as a console error.
    rec.console_errors = [e for e in rec.console_errors if "422" not in e]
    rec.check("close page with the error")
    assert rec.horizontal_overflow() == 0

    page.check("#id_confirm")
    submit(page)
    assert rec.path == "/records/closed/"
    rec.check("closed")
    assert not User.objects.get(email__startswith="closed-").is_active
    rec.assert_no_problems()


def test_an_administrator_places_a_legal_hold_from_the_case_page(open_page, site):
    application = load_sample_applications()[0]
    case = Case.objects.get(application=application)
    rec = open_page(javascript=True, width=1280, height=900)
    staff_sign_in(rec, "admin@example.jp", next_path=f"/staff/cases/{case.pk}/")
    page = rec.page

    with page.expect_navigation():
        page.get_by_role("link", name="訴訟ホールド（保存期間が過ぎても消去しない）").click()
    rec.check("hold page")
    page.fill("#id_reason", "")
    submit(page)
    assert page.locator("#id_reason-error").is_visible()
    rec.console_errors = [e for e in rec.console_errors if "422" not in e]
    rec.check("hold page with the error")
    page.fill("#id_reason", "審査請求が出されたため")
    submit(page)
    assert LegalHold.objects.get(application=application).reason == "審査請求が出されたため"
    with page.expect_navigation():
        page.locator("nav a", has_text="訴訟ホールド").click()
    assert application.reference_number in page.content()
    rec.check("holds list")
    rec.assert_no_problems()
