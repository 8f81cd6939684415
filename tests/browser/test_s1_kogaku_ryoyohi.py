"""Scenario S1: a member applies for 高額療養費 on a smartphone, with and without JavaScript.

Sign in by e-mail link, fill every step (a receipt photo upload and a deliberate mistake that
is then corrected), confirm, double-click 「この内容で申請する」 (still one application), see
the 受付番号, open the status page and the list. Every page is checked by axe (WCAG 2.1 AA),
for weight (≤ 150 KB HTML+CSS+JS) and for requests to other hosts.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from madoguchi.applications.models import Application, Draft
from madoguchi.demo import loader
from tests.browser import harness

pytestmark = harness.BROWSER

S1_FILE = "kyosai-kogaku-ryoyohi.json"
S1_PATH = "/kyosai/kogaku-ryoyohi/"


def s1_spec() -> dict:
    return json.loads((loader.DATA_DIR / "procedures" / S1_FILE).read_text(encoding="utf-8"))


def last_month() -> date:
    return (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)


def s1_answers(receipt) -> dict:
    return {
        "member_number": "12345678",
        "member_name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
        "birth_date": date(1985, 4, 1),
        "workplace": "総務局 人事部",
        "phone": "090-1234-5678",
        "patient": "member",
        "treatment_month": last_month(),
        "hospital_name": "都立広尾病院",
        "care_kind": "inpatient",
        "paid_amount": "185000",
        "payment_confirm": "registered",
        "receipt": receipt,
        "other_benefits": "no",
        "agreement": True,
    }


def check_error_is_explained(rec: harness.Recorder, key: str, *, expect: str) -> None:
    """Error summary on top linking to the field; message next to it via aria-describedby."""
    page = rec.page
    summary = page.locator("#error-summary")
    assert summary.count() == 1, "no error summary at the top of the page"
    assert expect in summary.inner_text()
    hrefs = summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs, "the error summary has no links to the fields"
    for href in hrefs:
        assert href.startswith("#") and page.locator(href).count() == 1, f"summary link {href} goes nowhere"
    field = page.locator(f'[name="{key}"]').first
    assert field.get_attribute("aria-invalid") == "true"
    described = (field.get_attribute("aria-describedby") or "").split()
    texts = [
        page.locator(f"#{ident}").inner_text() for ident in described if page.locator(f"#{ident}").count()
    ]
    assert any(expect in text for text in texts), f"{key}: message not linked by aria-describedby ({texts})"


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_member_applies_for_kogaku_ryoyohi_on_a_phone_and_gets_one_reference_number(
    open_page, site, javascript
):
    spec = s1_spec()
    answers = s1_answers(harness.receipt_photo(site.tmp))
    rec = open_page(javascript=javascript)
    page = rec.page

    rec.goto("/")
    rec.check("catalog")
    rec.check_focus("catalog")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(spec["title"])).first.click()
    assert rec.path == S1_PATH
    rec.check("procedure page")

    harness.sign_in(rec, loader.APPLICANT, next_path=S1_PATH)
    assert rec.path == S1_PATH, "after signing in, the applicant is back on the procedure page"

    with page.expect_navigation():
        page.get_by_role("button", name="申請をはじめる").click()

    for step in spec["definition"]["steps"]:
        assert f"/steps/{step['key']}/" in rec.path, f"expected step {step['key']}, got {rec.path}"
        rec.check(f"step {step['key']}")
        if step["key"] == "member":
            harness.fill_step(page, step, {**answers, "member_number": "1234"})
            harness.press_next(page)
            assert "/steps/member/" in rec.path, "a wrong 組合員番号 must keep the applicant on the step"
            rec.check("step member with an error")
            rec.check_focus("step member with an error")
            check_error_is_explained(rec, "member_number", expect="8桁")
            assert page.locator('[name="member_name.family"]').input_value() == "山田", "typed values lost"
            assert page.locator('[name="member_number"]').input_value() == "1234"
            page.fill('[name="member_number"]', answers["member_number"])
        else:
            harness.fill_step(page, step, answers)
        harness.press_next(page)

    assert rec.path.endswith("/confirm/"), rec.path
    rec.check("confirm")
    rec.check_focus("confirm")
    confirm_text = page.locator("main").inner_text()
    for expected in ("12345678", "山田", "都立広尾病院", "ryoshusho.jpg"):
        assert expected in confirm_text, f"{expected} missing on the confirmation page"
    assert re.search(r"185,?000", confirm_text)

    confirm_url = page.url
    submit_form = page.get_by_role("button", name="この内容で申請する").locator("xpath=ancestor::form")
    form_data = submit_form.evaluate("f => Object.fromEntries(new FormData(f))")
    page.get_by_role("button", name="この内容で申請する").dblclick()
    # Without JavaScript the second click may start a second navigation that aborts the first
    # (net::ERR_ABORTED), so poll the address instead of following one navigation.
    expect(page).to_have_url(re.compile(r"/applications/[0-9a-f-]{36}/receipt/"), timeout=30_000)
    page.wait_for_load_state()
    receipt_path = rec.path
    rec.check("receipt")

    # Chromium usually sends one request for a double click; older browsers and retrying networks send
    # the same form again. The server must answer with the same application.
    replay = page.request.post(confirm_url, form=form_data, headers={"Referer": confirm_url})
    assert replay.ok and replay.url.endswith(receipt_path), (replay.status, replay.url)

    # The demo has applications of its own (other people, other procedures): count the applicant's.
    mine = Application.objects.filter(applicant__email=loader.APPLICANT, procedure__slug="kogaku-ryoyohi")
    assert mine.count() == 1, "a double click created two applications"
    application = mine.get()
    assert application.reference_number.startswith("KYO-")
    assert application.applicant.email == loader.APPLICANT
    assert application.attachments.count() == 1
    assert Draft.objects.get(application=application)
    assert application.reference_number in page.locator("main").inner_text()

    with page.expect_navigation():
        page.locator(f'main a[href$="/applications/{application.pk}/"]').first.click()
    rec.check("status")
    assert application.reference_number in page.locator("main").inner_text()

    rec.goto("/applications/")
    rec.check("my applications")
    assert application.reference_number in page.locator("main").inner_text()

    # The confirmation page opened again later (back button, old tab): submitting changes nothing.
    rec.goto(confirm_url)
    resubmit = page.get_by_role("button", name="この内容で申請する")
    if resubmit.count():
        with page.expect_navigation():
            resubmit.click()
    assert mine.count() == 1, "a resubmitted confirmation created a second application"

    rec.assert_no_problems()
