"""S13's payment: the applicant pays the 受験手数料 in the sandbox on a phone **without
JavaScript** (a declined card first, then a good one); staff import the collection agent's
result file on a desktop and act on the lines that did not match. axe (WCAG 2.1 AA) on every
page, no horizontal scrolling at 320 px."""

from __future__ import annotations

import itertools
from pathlib import Path

from madoguchi.demo import loader
from madoguchi.payments.constants import PaymentStatus
from madoguchi.payments.models import Payment
from tests.browser import harness

pytestmark = harness.BROWSER
_seq = itertools.count(1)

EXAM = {
    "name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
    "birth_date": "1998-04-01",
    "address": {
        "postal_code": "160-0023",
        "prefecture": "東京都",
        "city": "新宿区",
        "street": "西新宿2-8-1",
        "building": "",
    },
    "phone": "090-1234-5678",
    "email": loader.APPLICANT,
    "category": "1-gyosei",
    "venue": "tokyo",
}


def exam_application():
    """The demo applicant's 受験申込, submitted through the real services (as her browser would)."""
    from madoguchi.accounts.models import User
    from madoguchi.applications import services
    from madoguchi.procedures.models import Procedure

    procedure = Procedure.objects.get(organization__slug="tokyo", slug="saiyo-shiken")
    applicant = User.objects.get(email=loader.APPLICANT)
    draft = services.draft_create(applicant=applicant, procedure=procedure, data=dict(EXAM))
    return services.application_submit(draft=draft, actor=applicant, idempotency_key=f"s13-{next(_seq)}")


def click(rec: harness.Recorder, role: str, name: str) -> None:
    with rec.page.expect_navigation():
        rec.page.get_by_role(role, name=name).first.click()


def test_s13_the_applicant_pays_the_exam_fee_in_the_sandbox_on_a_phone(open_page, site):
    application = exam_application()
    phone = open_page(javascript=False, width=320)
    page = phone.page
    harness.sign_in(phone, loader.APPLICANT, next_path=f"/applications/{application.pk}/")
    phone.check("status page with the fee")
    assert "2,000円" in page.locator(".payment-panel").inner_text()
    click(phone, "link", "手数料を支払う")
    phone.check("choose how to pay")
    page.get_by_label("オンライン決済（テスト環境）").check()
    click(phone, "button", "支払いへ進む")
    phone.check("sandbox hosted page")
    assert phone.path.startswith("/payments/sandbox/checkout/")

    # a wrong number: 422, the message next to the field, the number kept
    page.get_by_label("カード番号（テスト用）").fill("1234")
    click(phone, "button", "支払う")
    phone.check("sandbox with an error")
    assert "テスト用のカード番号" in page.locator(".field-error").inner_text()

    # declined, then paid with a good card (full-width digits accepted)
    page.get_by_label("カード番号（テスト用）").fill("4000 0000 0000 0002")
    click(phone, "button", "支払う")
    phone.check("declined")
    assert page.locator("h1").inner_text() == "お支払いができませんでした"
    click(phone, "link", "もう一度支払う")
    page.get_by_label("オンライン決済（テスト環境）").check()
    click(phone, "button", "支払いへ進む")
    page.get_by_label("カード番号（テスト用）").fill("４２４２４２４２４２４２４２４２")
    click(phone, "button", "支払う")
    phone.check("paid")
    assert page.locator("h1").inner_text() == "お支払いが完了しました"
    assert phone.horizontal_overflow() == 0
    click(phone, "link", "申請の状況を見る")
    phone.check("status page, paid")
    assert "納付を確認しました" in page.locator(".payment-panel").inner_text()
    payment = Payment.objects.get(application=application)
    assert payment.status == PaymentStatus.PAID and payment.paid_amount == 2000
    phone.assert_no_problems()


def test_s13_staff_reconcile_the_collection_agents_file_on_a_desktop(open_page, site, tmp_path: Path):
    paid, wrong = exam_application().payment, exam_application().payment
    result = tmp_path / "shuno-kekka.csv"
    result.write_bytes(
        (
            "収納日,お客様番号,金額,収納機関,収納番号\n"
            f"2026-12-01,{paid.customer_number},2000,コンビニ,R1\n"
            f"2026-12-01,{wrong.customer_number},1000,ペイジー,R2\n"
            "2026-12-01,11112222333344445555,2000,コンビニ,R3\n"
        ).encode("cp932")
    )
    desk = open_page(javascript=True, width=1280, height=900)
    page = desk.page
    harness.staff_sign_in(desk, "tokyo-center@example.jp", next_path="/payments/staff/")
    desk.check("payments list")
    click(desk, "link", "収納データの消込")
    desk.check("reconciliation")
    page.set_input_files("#id_file", str(result))
    click(desk, "button", "取り込む")
    desk.check("collection result")
    text = page.locator("main").inner_text()
    assert "消込 1件" in text and "該当なし 1件" in text and "金額相違 1件" in text
    page.get_by_label("対応の内容").first.fill("申請者に差額の納付をお願いしました。")
    click(desk, "button", "対応済みにする")
    desk.check("a line resolved")
    assert "対応を記録しました" in page.locator("main").inner_text()
    click(desk, "link", "日計・キャッシュレス比率")
    desk.check("daily totals")
    assert "受験手数料" in page.locator("main").inner_text()
    paid.refresh_from_db()
    wrong.refresh_from_db()
    assert paid.status == PaymentStatus.PAID and wrong.status == PaymentStatus.PAYABLE
    desk.assert_no_problems()
