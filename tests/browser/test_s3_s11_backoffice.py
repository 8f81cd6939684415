"""Scenarios S3 (研修申込: 所属長承認 → 人材育成課 決定) and S11 (起案 → 合議 → 決裁, signed notice)
walked by staff on a desktop, axe on every page (issue 13).

Each person signs in and lands on 自分の仕事, where the case waiting for them is listed (and
they were told in-app and by e-mail); messages say what happened — a parallel 合議 still waits
for the other department; the 起案 notice is dated and addressed to the drafter.
"""

from __future__ import annotations

from madoguchi.applications.models import Application
from madoguchi.notifications.models import Notification
from madoguchi.review.models import Case, Notice
from madoguchi.review.notices import notice_text
from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s1_backoffice import DESKTOP, press

pytestmark = harness.BROWSER

SUPERVISOR = "tokyo-kacho@example.jp"  # 所属長 (総務課 approver)
JINZAI = "tokyo-jinzai@example.jp"  # 人材育成課
CENTRE = "tokyo-center@example.jp"  # 総務事務センター
DRAFTER = "tokyo-soumu@example.jp"  # 総務課 起案担当


def _open_from_my_work(rec: harness.Recorder, reference: str, label: str) -> None:
    """The landing page lists the case waiting for this person; open it from there."""
    rec.goto("/staff/work/")
    main = rec.page.locator("main")
    assert reference in main.locator("#mine-heading + div").inner_text(), f"{label}: not on 自分の仕事"
    rec.check(f"{label}: 自分の仕事")
    with rec.page.expect_navigation():
        main.get_by_role("link", name=reference).first.click()
    rec.check(f"{label}: case page")


def _told(email: str, case: Case) -> bool:
    rows = Notification.objects.filter(
        recipient__email=email, event="review.task_assigned", dedupe_key__startswith=f"case:{case.pk}:"
    )
    return {"mailbox", "email"} <= set(rows.values_list("channel", flat=True))


def test_s3_supervisor_is_told_approves_and_the_training_department_decides(open_page, site):
    from madoguchi.demo.samples import load_sample_applications

    load_sample_applications()  # as `madoguchi demo` does: the 研修申込 of the demo applicant
    application = Application.objects.get(procedure__slug="kenshu-moshikomi")
    case = Case.objects.get(application=application)
    assert _told(SUPERVISOR, case), "the 所属長 was not told (the form promises it)"

    supervisor = open_page(javascript=True, **DESKTOP)
    staff_sign_in(supervisor, SUPERVISOR)
    _open_from_my_work(supervisor, case.reference_number, "所属長")
    press(supervisor.page, "承認して次へ回す")
    status = supervisor.page.locator("main").inner_text()
    assert "次の段階「人材育成課 決定」へ回し" in status, status
    supervisor.check("所属長: approved")
    supervisor.assert_no_problems()

    case.refresh_from_db()
    assert _told(JINZAI, case)
    jinzai = open_page(javascript=True, **DESKTOP)
    staff_sign_in(jinzai, JINZAI)
    _open_from_my_work(jinzai, case.reference_number, "人材育成課")
    jinzai.page.locator('input[name="outcome"][value="approved"]').check()
    jinzai.page.locator('textarea[name="reason"]').fill("令和の DX 基礎研修（第2回）の受講を決定します。")
    press(jinzai.page, "決定して通知書に署名する")
    assert "決定しました" in jinzai.page.locator("main").inner_text()
    history = jinzai.page.locator("table.history").inner_text()
    assert "申請を受け付けました" in history and "application.submitted" not in history
    jinzai.check("人材育成課: decided")
    jinzai.assert_no_problems()

    notice = Notice.objects.get(case=case)
    title, body, _values = notice_text(case=notice.case, decision=notice.decision)
    assert notice.title == "決定通知書" and "審査請求" not in body  # a staff matter: no 教示


def test_s11_kian_consultation_in_parallel_then_decision_with_a_dated_notice(open_page, site):
    drafter = open_page(javascript=True, **DESKTOP)
    staff_sign_in(drafter, DRAFTER)
    drafter.goto("/staff/proposals/new/")
    drafter.check("起案: form")
    drafter.page.fill("#title", "")
    press(drafter.page, "起案して回付する")  # empty: errors next to the fields, nothing lost
    drafter.check("起案: errors")
    drafter.page.fill("#title", "テレワーク規程の改正について")
    drafter.page.fill("#body", "在宅勤務の申請手続をオンライン化するため、規程を改正したい。")
    press(drafter.page, "起案して回付する")
    case = Case.objects.get(proposal__title="テレワーク規程の改正について")
    drafter.check("起案: case page")
    drafter.assert_no_problems()
    assert _told(JINZAI, case) and _told(CENTRE, case)

    jinzai = open_page(javascript=True, **DESKTOP)
    staff_sign_in(jinzai, JINZAI)
    _open_from_my_work(jinzai, case.reference_number, "合議 人材育成課")
    press(jinzai.page, "合議に同意する")
    message = jinzai.page.locator("main").inner_text()
    assert "次の段階へ回しました" not in message
    assert "ほかに" in message and "総務事務センター" in message, message
    jinzai.check("合議 人材育成課: still waiting")
    jinzai.assert_no_problems()

    centre = open_page(javascript=True, **DESKTOP)
    staff_sign_in(centre, CENTRE)
    _open_from_my_work(centre, case.reference_number, "合議 センター")
    press(centre.page, "合議に同意する")
    assert "次の段階「所属長 決裁」へ回し" in centre.page.locator("main").inner_text()
    centre.assert_no_problems()

    supervisor = open_page(javascript=True, **DESKTOP)
    staff_sign_in(supervisor, SUPERVISOR)
    _open_from_my_work(supervisor, case.reference_number, "所属長 決裁")
    supervisor.page.locator('input[name="outcome"][value="approved"]').check()
    press(supervisor.page, "決定して通知書に署名する")
    assert "決定しました" in supervisor.page.locator("main").inner_text()
    supervisor.check("所属長: decided")
    supervisor.assert_no_problems()

    notice = Notice.objects.get(case=case)
    title, body, values = notice_text(case=notice.case, decision=notice.decision)
    assert "起案" in title and "起案者" in body and "申請" not in body
    assert values["submitted_on"].startswith("令和") and f"{values['submitted_on']} に起案された" in body


def test_s3_the_approval_request_goes_to_the_supervisor_the_applicant_typed(open_page, site):
    """The applicant names her 所属長 (the 人事課長 here, not the 総務課長 of the demo sample): an
    address that is no 決裁者's is refused next to the field, in Japanese and in English; the
    request reaches the typed person only, who approves from 自分の仕事."""
    import datetime as dt
    import json

    from madoguchi.demo.loader import DATA_DIR

    typed, other = "tokyo-jinji-kacho@example.jp", SUPERVISOR
    spec = json.loads((DATA_DIR / "procedures" / "tokyo-kenshu-moshikomi.json").read_text(encoding="utf-8"))
    answers = {
        "staff_number": "1234567",
        "name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
        "department": "総務局 人事部 人事課",
        "position": "staff",
        "course": "e-kessai",
        "preferred_date": dt.date.today() + dt.timedelta(days=20),
        "supervisor_name": "斎藤 課長",
        "supervisor_email": "saito-kacho@example.jp",  # nobody on staff
        "reason": "電子決裁の操作を学び、課内の紙の決裁を減らす取組に生かしたいと考えています。",
    }
    employee = open_page(javascript=True)  # phone
    page = employee.page
    harness.sign_in(employee, "hanako@example.jp", next_path="/tokyo/kenshu-moshikomi/", check=False)
    with page.expect_navigation():
        page.get_by_role("button", name="申請をはじめる").click()
    steps = spec["definition"]["steps"]
    for step in steps:
        harness.fill_step(page, step, answers)
        harness.press_next(page)
    field_error = page.locator(".field-error .error-message").first.inner_text()
    assert "申請を回せる職員のアドレスとして登録されていません" in field_error, field_error
    employee.check("S3: supervisor address refused")
    with page.expect_navigation():  # the same refusal in English
        page.locator("nav.site-nav button", has_text="English").click()
    page.fill('[name="supervisor_email"]', "saito-kacho@example.jp")
    harness.press_next(page)
    field_error = page.locator(".field-error .error-message").first.inner_text()
    assert "is not registered as the address of a staff member" in field_error, field_error
    employee.check("S3: supervisor address refused, in English")
    with page.expect_navigation():
        page.locator("nav.site-nav button", has_text="日本語").click()
    page.fill('[name="supervisor_email"]', typed)
    harness.press_next(page)
    employee.check("S3: confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で申請する").click()
    application = Application.objects.filter(procedure__slug="kenshu-moshikomi").latest("submitted_at")
    assert application.data["supervisor_email"] == typed
    case = Case.objects.get(application=application)
    assert _told(typed, case) and not _told(other, case)

    colleague = open_page(javascript=False, **DESKTOP)
    staff_sign_in(colleague, other)
    colleague.goto("/staff/work/")
    assert case.reference_number not in colleague.page.locator("main").inner_text()
    colleague.check("S3: 総務課長 has nothing of it")

    supervisor = open_page(javascript=False, **DESKTOP)
    staff_sign_in(supervisor, typed)
    _open_from_my_work(supervisor, case.reference_number, "typed 所属長")
    press(supervisor.page, "承認して次へ回す")
    assert "次の段階「人材育成課 決定」へ回し" in supervisor.page.locator("main").inner_text()
    supervisor.check("S3: typed 所属長 approved")

    for rec in (employee, colleague, supervisor):
        rec.assert_no_problems()
