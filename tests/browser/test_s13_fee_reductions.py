"""S13's 受験手数料 with a 減免: the procedure owner adds a rule in the rule language (a mistake
first: 422, the message next to the row, what was typed kept), the applicant sees on a phone
that the reduction waits for a check, 人材育成課… the centre's staff find it on 自分の仕事 and
confirm it, and the applicant sees the fee waived. axe (WCAG 2.1 AA) on every page."""

from __future__ import annotations

from madoguchi.demo import loader
from madoguchi.payments.constants import Method, PaymentStatus, ReductionStatus
from madoguchi.payments.models import Payment
from madoguchi.procedures.models import Procedure
from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s13_payments import click, exam_application

pytestmark = harness.BROWSER


def test_s13_a_fee_reduction_set_by_the_owner_checked_by_staff(open_page, site):
    procedure = Procedure.objects.get(organization__slug="tokyo", slug="saiyo-shiken")
    settings_path = f"/payments/staff/procedures/{procedure.pk}/fee/"
    desk = open_page(javascript=True, width=1280, height=900)
    page = desk.page
    staff_sign_in(desk, "tokyo-jinji@example.jp", next_path=settings_path)
    desk.check("fee settings")
    page.fill("#id_reduction_0_label", "都内在住で生活保護を受けている方")
    page.fill("#id_reduction_0_expr", "venue == ")
    page.fill("#id_reduction_0_percent", "100")
    page.check("#id_reduction_0_verify")
    click(desk, "button", "保存する")
    desk.check("fee settings with a mistake")
    assert "条件の書き方に誤りがあります" in page.locator(".field-error").first.inner_text()
    assert page.input_value("#id_reduction_0_label") == "都内在住で生活保護を受けている方"
    page.fill("#id_reduction_0_expr", 'venue == "tokyo"')
    click(desk, "button", "保存する")
    desk.check("fee settings saved")
    assert "手数料の設定を保存しました" in page.locator("main").inner_text()

    application = exam_application()  # venue tokyo: the rule applies
    payment = Payment.objects.get(application=application)
    assert payment.reduction_status == ReductionStatus.TO_VERIFY

    phone = open_page(javascript=False, width=320)
    harness.sign_in(phone, loader.APPLICANT, next_path=f"/applications/{application.pk}/")
    phone.check("status page, reduction being checked")
    panel = phone.page.locator(".payment-panel").inner_text()
    assert "都内在住で生活保護を受けている方" in panel and "減免の確認をしています" in panel
    assert phone.horizontal_overflow() == 0

    centre = open_page(javascript=True, width=1280, height=900)
    staff_sign_in(centre, "tokyo-center@example.jp", next_path="/staff/work/")
    centre.check("my work lists the fee")
    section = centre.page.locator("section", has=centre.page.locator("#fee-work-heading"))
    with centre.page.expect_navigation():
        section.get_by_role("link", name=application.reference_number).click()
    centre.check("payment with the reduction to check")
    click(centre, "button", "減免を確認した")
    centre.check("reduction confirmed")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.method == Method.EXEMPT

    phone.goto(f"/applications/{application.pk}/")
    phone.check("status page, fee waived")
    assert "手数料は免除されました" in phone.page.locator(".payment-panel").inner_text()
    for rec in (desk, phone, centre):
        rec.assert_no_problems()
