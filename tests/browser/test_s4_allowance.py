"""Scenario S4 in a browser (issue 13): an employee applies for 扶養手当 on a phone; at the
総務事務センター one person reviews (the automatic checks read the dependant's income), another
approves (認定), a third enters the data into the payroll system and decides; the employee
sees the result. Staff on a desktop viewport; axe on every page.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from madoguchi.applications.models import Application
from madoguchi.demo.loader import DATA_DIR
from madoguchi.review.models import Case
from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s1_backoffice import DESKTOP, press

pytestmark = harness.BROWSER

PATH = "/tokyo/fuyo-teate/"
ANSWERS = {
    "staff_number": "１２３４５６７",  # 全角 digits are folded
    "name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
    "department": "総務局 人事部",
    "dependant_name": {"family": "山田", "given": "太郎", "family_kana": "ヤマダ", "given_kana": "タロウ"},
    "relationship": "child",
    "dependant_birth_date": dt.date(2010, 5, 5),
    "event_date": dt.date.today().replace(day=1),
    "annual_income": "900000",
    "living_together": "yes",
}


def test_s4_review_approve_enter_data_and_decide_by_three_people(open_page, site):
    spec = json.loads((DATA_DIR / "procedures" / "tokyo-fuyo-teate.json").read_text(encoding="utf-8"))
    employee = open_page(javascript=True)  # phone
    page = employee.page
    harness.sign_in(employee, "hanako@example.jp", next_path=PATH, check=False)
    with page.expect_navigation():
        page.get_by_role("button", name="申請をはじめる").click()
    for step in spec["definition"]["steps"]:
        harness.fill_step(page, step, ANSWERS)
        employee.check(f"step {step['key']}")
        harness.press_next(page)
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で申請する").click()
    application = Application.objects.get(procedure__slug="fuyo-teate")
    case = Case.objects.get(application=application)
    case_path = f"/staff/cases/{case.pk}/"

    reviewer = open_page(javascript=False, **DESKTOP)
    staff_sign_in(reviewer, "tokyo-center@example.jp")
    reviewer.goto(case_path)
    press(reviewer.page, "この案件を担当する")
    reviewer.check("S4 case: review")
    main = reviewer.page.locator("main").inner_text()
    assert "扶養親族の年間収入（130万円未満）" in main, main
    press(reviewer.page, "承認して次へ回す")

    approver = open_page(javascript=False, **DESKTOP)
    staff_sign_in(approver, "tokyo-center2@example.jp")
    approver.goto(case_path)
    approver.check("S4 case: 認定")
    press(approver.page, "承認して次へ回す")

    clerk = open_page(javascript=False, **DESKTOP)
    staff_sign_in(clerk, "tokyo-center3@example.jp")
    clerk.goto(case_path)
    clerk.check("S4 case: data entry")
    assert "給与システムへのデータ入力" in clerk.page.locator("main").inner_text()
    clerk.page.locator('input[name="outcome"][value="approved"]').check()
    clerk.page.locator('textarea[name="reason"]').fill("扶養手当を認定し、給与システムへ入力しました。")
    press(clerk.page, "決定して通知書に署名する")
    application.refresh_from_db()
    assert application.status == "approved", application.status

    employee.goto(f"/applications/{application.pk}/")
    employee.check("S4 status page")
    timeline = page.locator("ol.timeline").inner_text()
    assert "結果は「認定」です。" in timeline, timeline
    # in English, the lines the centre wrote in Japanese read in English (issue 13)
    with page.expect_navigation():
        page.locator("button", has_text="English").first.click()
    employee.check("S4 status page in English")
    timeline = page.locator("ol.timeline").inner_text()
    assert "The result is: Certified. Please download the notice for details." in timeline, timeline
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", timeline), timeline
    for rec in (employee, reviewer, approver, clerk):
        rec.assert_no_problems()
