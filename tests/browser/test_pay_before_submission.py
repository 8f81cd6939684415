"""Pay before the submission completes, as the demo loads it (新宿区「戸籍証明書の郵送請求（オンライン
決済）」, 450円 × 通数, gate before_submission): hanako applies on a 320 px phone without JavaScript,
sees the fee on the confirmation page, submits (the back button leads to the same application), is told plainly that the
application waits for the fee, goes to the sandbox, comes back with the back button and goes on
again (the same checkout), pays; 受付 completes (case, receipt e-mail) once. Then the same in
English, left unpaid past the deadline: closed with a notice. axe on every page, no horizontal
scrolling."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.core.models import DevMail
from madoguchi.demo.loader import APPLICANT, DATA_DIR
from madoguchi.payments.constants import PaymentStatus
from madoguchi.payments.models import Payment, PaymentAttempt, SandboxCheckout
from madoguchi.review.models import Case
from tests.browser import harness

pytestmark = harness.BROWSER

PATH = "/shinjuku/koseki-shomei/"
ANSWERS = {
    "name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
    "address": {"postal_code": "160-0023", "prefecture": "東京都", "city": "新宿区", "street": "西新宿2-8-1"},
    "phone": "090-1234-5678",
    "honseki": "新宿区西新宿二丁目8番",
    "hittosha": "山田 太郎",
    "kind": "zenbu",
    "copies": "2",
    "purpose": "passport",
}


def click(rec: harness.Recorder, role: str, name: str) -> None:
    with rec.page.expect_navigation():
        rec.page.get_by_role(role, name=name).first.click()


def apply(phone: harness.Recorder, *, start: str, submit: str) -> None:
    spec = json.loads((DATA_DIR / "procedures" / "shinjuku-koseki-shomei.json").read_text(encoding="utf-8"))
    page = phone.page
    phone.goto(PATH)
    phone.check("procedure page")
    click(phone, "button", start)
    for step in spec["definition"]["steps"]:
        harness.fill_step(page, step, ANSWERS)
        phone.check(f"step {step['key']}")
        harness.press_next(page)
    phone.check("confirmation with the fee")
    assert "900" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name=submit).first.click()


def test_pay_first_on_a_phone_in_japanese_then_unpaid_in_english(open_page, site):
    phone = open_page(javascript=False, width=320)
    page = phone.page
    harness.sign_in(phone, APPLICANT, next_path=PATH, check=False)
    apply(phone, start="申請をはじめる", submit="この内容で申請する")
    phone.check("waiting for the fee")
    assert page.locator("h1").inner_text() == "手数料のお支払いをお願いします"
    assert "申請はまだ完了していません" in page.locator("main").inner_text()
    assert "900円" in page.locator(".payment-panel").inner_text()
    assert page.get_by_role("link", name="受付票（PDF）を開く").count() == 0  # not received yet
    assert phone.horizontal_overflow() == 0
    receipt_path = phone.path

    # the back button: the confirmation page of a sent draft leads here again, nothing is sent twice
    page.go_back()
    assert phone.path == receipt_path
    application = Application.objects.get(procedure__slug="koseki-shomei", applicant__email=APPLICANT)
    assert application.status == ApplicationStatus.AWAITING_PAYMENT
    assert not Case.objects.filter(application=application).exists()
    assert (
        Payment.objects.filter(
            application__applicant__email=APPLICANT, procedure__slug="koseki-shomei"
        ).count()
        == 1
    )

    # to the sandbox, back, and on again: the same checkout
    click(phone, "link", "手数料を支払う")
    phone.check("choose how to pay")
    page.get_by_label("オンライン決済（テスト環境）").check()
    click(phone, "button", "支払いへ進む")
    phone.check("sandbox hosted page")
    hosted = phone.path
    page.go_back()
    page.reload()
    page.get_by_label("オンライン決済（テスト環境）").check()
    click(phone, "button", "支払いへ進む")
    assert phone.path == hosted
    assert SandboxCheckout.objects.count() == 1 and PaymentAttempt.objects.count() == 1
    page.get_by_label("カード番号（テスト用）").fill("4242 4242 4242 4242")
    click(phone, "button", "支払う")
    phone.check("paid, received")
    assert page.locator("h1").inner_text() == "お支払いが完了しました"
    assert "申請の受付が完了しました" in page.locator("main").inner_text()
    click(phone, "link", "申請の状況を見る")
    phone.check("status page, received and paid")
    assert page.locator(".status").inner_text() == "受付済み"
    assert "納付を確認しました" in page.locator(".payment-panel").inner_text()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert Case.objects.filter(application=application).count() == 1
    receipts = DevMail.objects.filter(to__icontains=APPLICANT, body__contains=application.reference_number)
    assert receipts.filter(subject__startswith="【受付】").count() == 1
    assert Payment.objects.get(application=application).status == PaymentStatus.PAID

    # in English, left unpaid past the deadline: closed, and told so
    with page.expect_navigation():
        page.locator("nav.site-nav button", has_text="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    apply(phone, start="Start your application", submit="Submit this application")
    phone.check("waiting for the fee, in English")
    assert page.locator("h1").inner_text() == "Please pay the fee"
    assert "Pay the fee" in page.locator(".payment-panel").inner_text()
    assert phone.horizontal_overflow() == 0
    second = Application.objects.filter(procedure__slug="koseki-shomei").exclude(pk=application.pk).get()
    from madoguchi.payments.services import payments_expire_sweep

    assert payments_expire_sweep(today=timezone.localdate() + timedelta(days=4))["closed"] == 1
    phone.goto(f"/applications/{second.pk}/")
    phone.check("closed unpaid, in English")
    assert "closed because the fee was not paid" in page.locator(".payment-panel").inner_text()
    assert page.get_by_role("link", name="Open the receipt (PDF)").count() == 0  # never received
    second.refresh_from_db()
    assert second.status == ApplicationStatus.WITHDRAWN
    assert not Case.objects.filter(application=second).exists()
    closed = DevMail.objects.filter(to__icontains=APPLICANT, body__contains=second.reference_number)
    assert closed.filter(
        Q(subject__contains="Application closed") | Q(subject__contains="申請を終了しました")
    ).exists()
    phone.assert_no_problems()
