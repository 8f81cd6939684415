"""Scenario S13 in a browser (issue 13), as the demo loads it: hanako applies for the 採用試験 on a
320 px phone without JavaScript and pays the 受験手数料 by card in the sandbox; tokyo-jinji is told,
accepts it from 自分の仕事 (受付); hanako finds the 受験票 (受験番号, QR code, signed PDF) in her
mailbox and on the status page; staff open the QR code's check page; another person,
tokyo-jinji-kacho, decides 合格 and hanako gets the 合格通知書. axe on every page.
"""

from __future__ import annotations

import datetime as dt
import json

from madoguchi.applications.models import Application
from madoguchi.core.models import DevMail
from madoguchi.demo.loader import APPLICANT, DATA_DIR
from madoguchi.notifications.models import MailboxMessage
from madoguchi.review.models import AdmissionTicket, Case
from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s1_backoffice import DESKTOP, press

pytestmark = harness.BROWSER

PATH = "/tokyo/saiyo-shiken/"
ANSWERS = {
    "name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
    "birth_date": dt.date(1998, 4, 1),
    "address": {"postal_code": "160-0023", "prefecture": "東京都", "city": "新宿区", "street": "西新宿2-8-1"},
    "phone": "090-1234-5678",
    "category": "1-gyosei",
    "venue": "tokyo",
}


def click(rec: harness.Recorder, role: str, name: str) -> None:
    with rec.page.expect_navigation():
        rec.page.get_by_role(role, name=name).first.click()


def test_s13_apply_pay_accept_ticket_and_result(open_page, site):
    spec = json.loads((DATA_DIR / "procedures" / "tokyo-saiyo-shiken.json").read_text(encoding="utf-8"))

    # hanako applies on a small phone without JavaScript
    phone = open_page(javascript=False, width=320)
    page = phone.page
    harness.sign_in(phone, APPLICANT, next_path=PATH, check=False)
    phone.check("procedure page")
    click(phone, "button", "申請をはじめる")
    for step in spec["definition"]["steps"]:
        harness.fill_step(page, step, ANSWERS)
        phone.check(f"step {step['key']}")
        harness.press_next(page)
    phone.check("confirmation with the fee")
    assert "2,000円" in page.locator("main").inner_text()
    click(phone, "button", "この内容で申請する")
    application = Application.objects.get(procedure__slug="saiyo-shiken", applicant__email=APPLICANT)
    phone.goto(f"/applications/{application.pk}/")
    phone.check("status page, fee to pay")

    # … and pays the 受験手数料 by card in the sandbox
    click(phone, "link", "手数料を支払う")
    page.get_by_label("オンライン決済（テスト環境）").check()
    click(phone, "button", "支払いへ進む")
    page.get_by_label("カード番号（テスト用）").fill("4242 4242 4242 4242")
    click(phone, "button", "支払う")
    phone.check("paid")
    assert page.locator("h1").inner_text() == "お支払いが完了しました"
    assert phone.horizontal_overflow() == 0

    # tokyo-jinji was told (e-mail) and accepts it from 自分の仕事
    case = Case.objects.get(application=application)
    assert DevMail.objects.filter(
        to__icontains="tokyo-jinji@example.jp",
        subject__contains="受付（書類と受験手数料の確認）",
        body__contains=application.reference_number,
    ).exists()
    jinji = open_page(javascript=False, **DESKTOP)
    staff_sign_in(jinji, "tokyo-jinji@example.jp")
    jinji.goto("/staff/work/")
    jinji.check("自分の仕事 with the application")
    assert application.reference_number in jinji.page.locator("main").inner_text()
    jinji.page.get_by_role("link", name=application.reference_number).first.click()
    jinji.page.wait_for_load_state()
    assert jinji.path == f"/staff/cases/{case.pk}/", jinji.path
    jinji.check("case: 受付")
    press(jinji.page, "この案件を担当する")
    press(jinji.page, "承認して次へ回す")
    jinji.check("accepted, moved on to 合否の決定")
    assert "合否の決定" in jinji.page.locator("main").inner_text()

    # the 受験票 is issued: in hanako's mailbox and on her status page
    ticket = AdmissionTicket.objects.get(application=application)
    assert ticket.number.startswith("1B-") and ticket.issued_at is not None
    assert MailboxMessage.objects.filter(user__email=APPLICANT, kind="admission_ticket").exists()
    phone.goto("/mailbox/")
    phone.check("mailbox with the 受験票")
    click(phone, "link", "受験票（職員採用試験の受験申込）")
    phone.check("the 受験票 message")
    assert ticket.number in page.locator("main").inner_text()
    phone.goto(f"/applications/{application.pk}/")
    phone.check("status page with the 受験票")
    main = page.locator("main").inner_text()
    assert f"受験番号 {ticket.number}" in main and "受験票を交付しました" in main
    pdf = page.request.get(site.url + f"/staff/tickets/{ticket.pk}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert phone.horizontal_overflow() == 0

    # staff with only the ticket in hand find the case by its 受験番号 (作業一覧's search box)
    with jinji.page.expect_navigation():
        jinji.page.locator("nav.site-nav a", has_text="作業一覧").click()
    jinji.page.get_by_label("受付番号・受験番号").fill(ticket.number)
    with jinji.page.expect_navigation():
        jinji.page.get_by_role("button", name="絞り込む").click()
    jinji.check("queue searched by 受験番号")
    # accepted, the case waits for the 課長 now: not in jinji's own list, but one click away
    with jinji.page.expect_navigation():
        jinji.page.get_by_role("link", name="所属の案件から探す").click()
    jinji.check("team queue searched by 受験番号")
    assert application.reference_number in jinji.page.locator("main table").inner_text()
    # at the exam, staff scan the QR code: its page says whose ticket it is
    jinji.goto(f"/staff/tickets/{ticket.pk}/")
    jinji.check("QR check page")
    assert "この受験票は有効です" in jinji.page.locator("main").inner_text()

    # the 課長 was told that the 合否 waits for them; tokyo-jinji-kacho decides 合格
    assert DevMail.objects.filter(
        to__icontains="tokyo-jinji-kacho@example.jp", subject__contains="合否の決定"
    ).exists()
    kacho = open_page(javascript=False, **DESKTOP)
    staff_sign_in(kacho, "tokyo-jinji-kacho@example.jp")
    kacho.goto("/staff/work/")
    kacho.check("自分の仕事 of the 課長")
    kacho.page.get_by_role("link", name=application.reference_number).first.click()
    kacho.page.wait_for_load_state()
    kacho.check("case: 合否の決定")
    kacho.page.locator('input[name="outcome"][value="approved"]').check()
    kacho.page.locator('textarea[name="reason"]').fill("第1次試験の結果、合格とします。")
    press(kacho.page, "決定して通知書に署名する")
    kacho.check("decided")
    application.refresh_from_db()
    assert application.status == "approved"

    # hanako reads the result: 合格通知書 on the status page, the notice in her mailbox
    phone.goto(f"/applications/{application.pk}/")
    phone.check("status page, 合格")
    main = page.locator("main").inner_text()
    assert "合格通知書" in main and "合格" in main
    phone.goto("/mailbox/")
    phone.check("mailbox with the result")
    for rec in (phone, jinji, kacho):
        rec.assert_no_problems()
