"""Scenario S1 through the back office, in a browser: apply on a phone → review → 補正 →
the applicant fixes the field → approve → decide → the applicant downloads the signed notice.

The applicant uses a 390×844 phone viewport, staff a desktop one. axe (WCAG 2.1 AA) checks the
applicant's correction page and status page; poppler's ``pdfsig`` checks the notice's signature
(skipped only when pdfsig is missing outside CI).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from madoguchi.applications.models import Application, Draft
from madoguchi.counter.models import CounterVisit
from madoguchi.demo import loader
from madoguchi.review.models import Case, CorrectionRequest, DataRevision
from tests.browser import harness
from tests.browser.test_s1_kogaku_ryoyohi import S1_PATH, s1_answers, s1_spec

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}
REVIEWER = "kyosai-hoken@example.jp"
APPROVER = "kyosai-kacho@example.jp"
WRONG_HOSPITAL = "都立広尾病院"
RIGHT_HOSPITAL = "都立駒込病院"


def apply_on_phone(rec: harness.Recorder, site) -> Application:
    page = rec.page
    spec = s1_spec()
    answers = s1_answers(harness.receipt_photo(site.tmp)) | {"hospital_name": WRONG_HOSPITAL}
    harness.sign_in(rec, loader.APPLICANT, next_path=S1_PATH, check=False)
    assert rec.path == S1_PATH
    with page.expect_navigation():
        page.get_by_role("button", name="申請をはじめる").click()
    for step in spec["definition"]["steps"]:
        assert f"/steps/{step['key']}/" in rec.path, rec.path
        harness.fill_step(page, step, answers)
        harness.press_next(page)
    assert rec.path.endswith("/confirm/"), rec.path
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で申請する").click()
    assert re.search(r"/applications/[0-9a-f-]{36}/receipt/", rec.path), rec.path
    application = Application.objects.get(applicant__email=loader.APPLICANT, procedure__slug="kogaku-ryoyohi")
    assert application.attachments.count() == 1, "the receipt photo was not attached"
    return application


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_s1_apply_correct_approve_and_download_the_signed_notice(open_page, site):
    applicant = open_page(javascript=True)  # phone viewport
    application = apply_on_phone(applicant, site)
    case = Case.objects.get(application=application)
    case_path = f"/staff/cases/{case.pk}/"

    # The reviewer (desktop) claims the case and asks for a correction of the hospital name.
    reviewer = open_page(javascript=True, **DESKTOP)
    harness.staff_sign_in(reviewer, REVIEWER)
    reviewer.goto(case_path)
    press(reviewer.page, "この案件を担当する")
    reviewer.page.locator("summary", has_text="申請者に補正を依頼する").click()
    reviewer.page.check("#cf-hospital_name")
    reviewer.page.fill("#corr-message", "医療機関名が領収書と違います。領収書のとおりに直してください。")
    press(reviewer.page, "補正を依頼する")
    correction = CorrectionRequest.objects.get(case=case)
    assert correction.fields == ["hospital_name"]

    # The applicant sees the request on the status page and follows its link.
    page = applicant.page
    applicant.goto(f"/applications/{application.pk}/")
    assert "領収書のとおりに直してください" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="修正する").click()
    applicant.check("correction page")
    assert page.locator('[name="hospital_name"]').count() == 1
    assert page.locator('[name="member_number"]').count() == 0, "only the marked field may be edited"
    page.fill('[name="hospital_name"]', RIGHT_HOSPITAL)
    press(page, "修正した内容で再提出する")
    application.refresh_from_db()
    assert application.data["hospital_name"] == RIGHT_HOSPITAL
    assert application.data["member_number"] == "12345678", "other answers must be kept"
    assert DataRevision.objects.filter(application=application).count() >= 1

    # The reviewer sees both versions and approves; the approver decides.
    reviewer.goto(case_path)
    main = reviewer.page.locator("main").inner_text()
    assert WRONG_HOSPITAL in main and RIGHT_HOSPITAL in main, "the case page must show the diff"
    press(reviewer.page, "承認して次へ回す")

    approver = open_page(javascript=True, **DESKTOP)
    harness.staff_sign_in(approver, APPROVER)
    approver.goto(case_path)
    approver.page.locator('input[name="outcome"][value="approved"]').check()
    approver.page.locator('textarea[name="reason"]').fill("高額療養費 95,000円を支給します。")
    press(approver.page, "決定して通知書に署名する")
    application.refresh_from_db()
    assert application.status == "approved", application.status

    # The applicant downloads the signed notice from the status page.
    applicant.goto(f"/applications/{application.pk}/")
    applicant.check("status page with the notice")
    assert page.locator("main .status-approved").count() >= 1, "the status page must say 承認"
    notice_link = page.locator("main a", has_text="通知書").filter(has_text="PDF").first
    with page.expect_download() as download:
        notice_link.click()
    pdf_path = site.tmp / "notice.pdf"
    download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")

    applicant.assert_no_problems()

    if shutil.which("pdfsig") is None:
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail("pdfsig (poppler-utils) is required in CI to verify the notice signature")
        pytest.skip("pdfsig (poppler-utils) is not installed: signature not verified")
    out = subprocess.run(["pdfsig", str(pdf_path)], capture_output=True, text=True, timeout=60)
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr


def test_visitor_shows_a_code_on_the_phone_and_the_counter_takes_over_the_draft(open_page, site):
    spec = s1_spec()
    first = spec["definition"]["steps"][0]
    visitor = open_page(javascript=True)  # phone viewport
    page = visitor.page
    harness.sign_in(visitor, loader.APPLICANT, next_path=S1_PATH, check=False)
    with page.expect_navigation():
        page.get_by_role("button", name="申請をはじめる").click()
    harness.fill_step(page, first, s1_answers(harness.receipt_photo(site.tmp)))
    harness.press_next(page)
    draft = Draft.objects.get(applicant__email=loader.APPLICANT, application__isnull=True)

    visitor.goto("/applications/")
    with page.expect_navigation():
        page.locator(f'main a[href="/applications/drafts/{draft.pk}/handoff/"]').click()
    press(page, "コードを表示する")
    code = page.locator("#handoff-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code), code
    assert page.locator("main svg[role=img]").is_visible(), "the QR code is not shown"
    assert visitor.horizontal_overflow() == 0
    visitor.check("handoff code")
    visitor.assert_no_problems()

    desk = open_page(javascript=True, **DESKTOP)
    # Counter-only staff sign in straight to the counter (the review queue is not theirs).
    harness.staff_sign_in(desk, "kyosai-madoguchi@example.jp", next_path="/counter/")
    assert desk.path == "/counter/"
    desk.goto("/counter/handoff/")
    desk.page.fill("#code", code.lower())
    press(desk.page, "下書きを探す")
    assert "12345678" in desk.page.locator("main").inner_text(), "the visitor's answers are shown"
    desk.page.check("#idm-mynumber_card")
    press(desk.page, "本人確認を記録して読み込む")
    visit = CounterVisit.objects.get()
    assert desk.path == f"/counter/visits/{visit.pk}/review/"
    assert visit.draft_id == draft.pk and visit.visitor.email == loader.APPLICANT
    desk.check("counter review after hand-over")
    desk.assert_no_problems()
