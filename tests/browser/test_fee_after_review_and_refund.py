"""A fee decided after review, as the demo loads it (新宿区「住民票の写しの交付請求」: 300–3,000円,
decided by the reviewer, paid before the 決定通知書 is handed over), then a refund with four eyes.

- hanako applies (through the services, as in the S13 tests); on a 320 px phone without
  JavaScript her status page says the fee is decided after review;
- the reviewer (佐野) finds 「手数料の額を決める」 on 自分の仕事, types an amount over the limit
  and no reason (422, the messages next to the fields), then 600円 with its reason; the fee
  reads 「金額決定済み（決裁の後に請求）」; she approves her step;
- the 課長 (小川) decides; hanako's status page — in English — shows the amount, the deadline,
  the notice without a link and what to do; she pays in the sandbox (in English) and, back in
  Japanese, gets the signed PDF;
- 佐野 asks for a partial refund and cannot approve it herself; 小川 finds it on 自分の仕事
  (in English) and approves it.
axe (WCAG 2.1 AA) on every page, no horizontal scrolling on the phone."""

from __future__ import annotations

import re

from madoguchi.demo import loader
from madoguchi.payments.constants import EventKind, PaymentStatus, RefundStatus
from madoguchi.payments.models import Payment, Refund
from madoguchi.review.models import Case, Notice
from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s13_payments import click

pytestmark = harness.BROWSER

REVIEWER = "shinjuku-koseki@example.jp"
APPROVER = "shinjuku-koseki-kacho@example.jp"
DESK = {"javascript": True, "width": 1280, "height": 900}
ANSWERS = {
    "name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
    "address": {
        "postal_code": "160-0023",
        "prefecture": "東京都",
        "city": "新宿区",
        "street": "西新宿2-8-1",
        "building": "",
    },
    "phone": "090-1234-5678",
    "scope": "self",
    "copies": 2,
    "purpose": "work",
    "delivery": "mail",
}


def juminhyo_application():
    """hanako's 住民票の写しの交付請求, submitted through the real services."""
    from madoguchi.accounts.models import User
    from madoguchi.applications import services
    from madoguchi.procedures.models import Procedure

    procedure = Procedure.objects.get(organization__slug="shinjuku", slug="juminhyo")
    applicant = User.objects.get(email=loader.APPLICANT)
    draft = services.draft_create(applicant=applicant, procedure=procedure, data=dict(ANSWERS))
    return services.application_submit(draft=draft, actor=applicant, idempotency_key="juminhyo-fee")


def to_english(rec: harness.Recorder) -> None:
    with rec.page.expect_navigation():
        rec.page.locator("button", has_text="English").first.click()
    assert rec.page.locator("html").get_attribute("lang") == "en"


def test_a_fee_decided_after_review_paid_on_a_phone_then_refunded_with_four_eyes(open_page, site):
    application = juminhyo_application()
    status_path = f"/applications/{application.pk}/"
    reference = application.reference_number

    phone = open_page(javascript=False, width=320)
    page = phone.page
    harness.sign_in(phone, loader.APPLICANT, next_path=status_path)
    phone.check("status page, fee to be decided")
    assert "手数料の額は審査の後に決まります" in page.locator(".payment-panel").inner_text()
    assert phone.horizontal_overflow() == 0

    # the reviewer decides the amount, with its reason (a mistake first)
    reviewer = open_page(**DESK)
    staff_sign_in(reviewer, REVIEWER, next_path="/staff/work/")
    reviewer.check("reviewer's work: a fee to decide")
    fees = reviewer.page.locator("section", has=reviewer.page.locator("#fee-work-heading"))
    assert "手数料の額を決める" in fees.inner_text()
    with reviewer.page.expect_navigation():
        fees.get_by_role("link", name=reference).click()
    reviewer.check("decide the fee")
    reviewer.page.fill("#id_amount", "5000")
    click(reviewer, "button", "この額に決める")
    reviewer.check("decide the fee, refused")
    errors = reviewer.page.locator(".field-error").all_inner_texts()
    assert any("300円から3,000円の間" in e for e in errors) and any("理由を入力" in e for e in errors)
    assert reviewer.page.input_value("#id_amount") == "5000"
    reviewer.page.fill("#id_amount", "600")
    reviewer.page.fill("#id_reason", "2通（1通300円）")
    click(reviewer, "button", "この額に決める")
    reviewer.check("fee decided")
    assert "決めた額: 600円（金額決定済み（決裁の後に請求））" in reviewer.page.locator("main").inner_text()
    case = Case.objects.get(application=application)
    reviewer.goto(f"/staff/cases/{case.pk}/")
    assert "600円 — 金額決定済み（決裁の後に請求）" in reviewer.page.locator(".fee-line").inner_text()
    click(reviewer, "button", "承認して次へ回す")
    reviewer.check("reviewed")

    # the 課長 decides: the notice is signed, the fee becomes payable
    approver = open_page(**DESK)
    staff_sign_in(approver, APPROVER, next_path=f"/staff/cases/{case.pk}/")
    approver.page.locator('input[name="outcome"][value="approved"]').check()
    approver.page.locator('textarea[name="reason"]').fill("住民票の写しを2通交付します。")
    click(approver, "button", "決定して通知書に署名する")
    approver.check("decided")
    payment = Payment.objects.get(application=application)
    assert payment.status == PaymentStatus.PAYABLE and payment.due_on
    notice_path = f"/staff/notices/{Notice.objects.get(case=case).pk}.pdf"

    # hanako, in English: the amount, the deadline, the notice held back and what to do
    phone.goto(status_path)
    to_english(phone)
    phone.check("status page in English, fee to pay")
    panel = page.locator(".payment-panel").inner_text()
    due = f"{payment.due_on.day} {payment.due_on:%b %Y}"
    assert "600 yen" in panel and due in panel and "2通（1通300円）" in panel
    assert page.locator(f'a[href="{notice_path}"]').count() == 0
    held = page.locator(".notice-held").inner_text()
    assert "once we have confirmed your fee of 600 yen" in held and due in held
    # the timeline, written while staff worked in Japanese, reads in English (issue 13)
    timeline = page.locator("ol.timeline").inner_text()
    assert "The result is: Approved. The notice will be handed over" in timeline, timeline
    assert f"The fee is 600 yen. Please pay by {due}." in timeline, timeline
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", timeline), timeline
    assert page.get_by_role("link", name="Pay the fee").count() == 2
    assert phone.horizontal_overflow() == 0

    # pays in the sandbox, in English, then the notice is hers
    click(phone, "link", "Pay the fee")
    phone.check("choose how to pay, in English")
    page.get_by_label("Online payment (test environment)").check()
    click(phone, "button", "Go on to pay")
    phone.check("sandbox hosted page, in English")
    page.get_by_label("Card number (test)").fill("4242 4242 4242 4242")
    click(phone, "button", "Pay")
    phone.check("paid, in English")
    assert page.locator("h1").inner_text() == "Payment completed"
    with page.expect_navigation():
        page.locator("button", has_text="日本語").first.click()
    click(phone, "link", "申請の状況を見る")
    phone.check("status page, paid: the notice")
    assert "手数料 600円の納付を確認しました" in page.locator(".payment-panel").inner_text()
    assert page.locator(".notice-held").count() == 0
    link = page.locator(f'a[href="{notice_path}"]')
    assert link.count() == 1
    pdf = page.request.get(site.url + notice_path)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert phone.horizontal_overflow() == 0

    # a partial refund: asked by the reviewer, who cannot approve it herself
    reviewer.goto(f"/payments/staff/{payment.pk}/")
    reviewer.check("payment, paid")
    ledger = reviewer.page.locator("table").last.inner_text()
    assert ledger.count("金額を決定") == 1 and "納付を依頼（納付期限を設定）" in ledger
    reviewer.page.fill("#id_refund_amount", "300")
    reviewer.page.fill("#id_refund_reason", "1通分を取り下げたため")
    click(reviewer, "button", "還付を起案する")
    reviewer.check("refund asked")
    main = reviewer.page.locator("main").inner_text()
    assert "別の職員の承認を待っています" in main and "自分で起案した還付は、別の職員が承認します。" in main
    assert reviewer.page.get_by_role("button", name="還付を承認する").count() == 0

    # the 課長 finds it on 自分の仕事 — in English — and approves it
    approver.goto("/staff/work/")
    to_english(approver)
    approver.check("approver's work in English: a refund to approve")
    refunds = approver.page.locator("section", has=approver.page.locator("#refund-work-heading"))
    assert "Refunds waiting for your approval (1)" in refunds.inner_text()
    assert "300 yen" in refunds.inner_text()
    with approver.page.expect_navigation():
        refunds.get_by_role("link", name=reference).click()
    approver.check("payment with the refund to approve, in English")
    assert "Requested by" in approver.page.locator("main").inner_text()
    click(approver, "button", "Approve the refund")
    approver.check("refund approved, in English")
    assert "The refund was approved." in approver.page.locator("main").inner_text()
    refund = Refund.objects.get(payment=payment)
    payment.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.approved_by.email == APPROVER
    assert refund.requested_by.email == REVIEWER and payment.refunded_amount == 300
    assert payment.events.filter(kind=EventKind.REFUNDED).count() == 1
    for rec in (phone, reviewer, approver):
        rec.assert_no_problems()
