"""Scenario S7 (障害福祉サービス事業者の指定申請) in a browser, on the demo data.

A 行政書士 on a phone goes from the 指定申請's page to the 事前説明会 and books it (first without
the company name: the message next to the field, 422). He starts the 指定申請: a 法人番号 with a
wrong check digit and an office outside 新宿区 are refused next to the field, and what he typed
stays. Then, from the 指定 the demo issued him (社会福祉法人 新宿ひまわり会), he files a 変更届
that starts with the designation's answers, changes the office's name and submits it. Staff on
a desktop see the booking in the 説明会's list. axe on every page.
"""

from __future__ import annotations

from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.reservations.models import Booking
from tests.browser import harness

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}
APPLICANT = "gyosei@example.jp"
STAFF = "counter@shinjuku.example.jp"
SHITEI = "/shinjuku/shogai-fukushi-shitei/"
BRIEFING = "障害福祉サービス事業者 指定申請説明会"


def follow(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name).first.click()


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def error_next_to(page, key: str) -> str:
    field = page.locator(f'[name="{key}"]').first
    assert field.get_attribute("aria-invalid") == "true", key
    return page.locator(".field-error").filter(has=field).first.inner_text()


def test_s7_briefing_designation_with_errors_and_change_notice(open_page, site, settings):
    designation = Application.objects.get(applicant__email=APPLICANT, procedure__slug="shogai-fukushi-shitei")
    assert designation.status == "approved"

    phone = open_page()
    page = phone.page
    harness.sign_in(phone, APPLICANT, next_path=SHITEI)
    phone.check("procedure page")

    # 説明会 booking, linked from the procedure page
    follow(page, f"{BRIEFING}を予約する")
    phone.check("briefing calendar")
    assert phone.horizontal_overflow() == 0
    # The briefing opens and everyone comes at once: the waiting room lets nobody in yet. The
    # queue page (answered before the session's middleware, reservations/middleware.py) at 320 px.
    opened = {
        name: getattr(settings, name)
        for name in (
            "RESERVATIONS_WAITING_ROOM_RATE",
            "RESERVATIONS_WAITING_ROOM_BURST",
            "RESERVATIONS_WAITING_ROOM_MAX_BURST",
        )
    }
    settings.RESERVATIONS_WAITING_ROOM_RATE = 0.001
    settings.RESERVATIONS_WAITING_ROOM_BURST = settings.RESERVATIONS_WAITING_ROOM_MAX_BURST = 0
    page.set_viewport_size({"width": 320, "height": 640})
    with page.expect_navigation():
        page.locator(".slot-open a").first.click()
    phone.check("briefing queue page at 320 px")
    assert phone.horizontal_overflow() == 0
    assert "1 番目" in page.locator("main").inner_text()
    # with JavaScript it reloads itself after the suggested time, says so, and can be stopped
    assert "秒後に自動で画面を更新します" in page.locator("#wr-auto-status").inner_text()
    assert page.locator("#wr-manual").is_hidden()  # "press reload now after …": the page does it
    page.get_by_role("button", name="自動更新を止める").click()
    assert "自動更新を止めました" in page.locator("#wr-auto-status").inner_text()
    assert page.locator("#wr-manual").is_visible()
    phone.check_focus("briefing queue page, by keyboard")
    for name, value in opened.items():  # places free up: "reload now" brings the form
        setattr(settings, name, value)
    follow(page, "今すぐ再読み込みする")
    page.set_viewport_size({"width": 390, "height": 844})
    phone.check("briefing booking form")
    press(page, "この内容で予約する")
    phone.check("briefing booking form with an error")
    assert "事業者名" in page.locator(".field-error").first.inner_text()
    page.fill("#id_info-company", "社会福祉法人 新宿ひまわり会")
    press(page, "この内容で予約する")
    phone.check("briefing booked")
    booking = Booking.objects.get(user__email=APPLICANT, resource__slug="shitei-setsumeikai")
    assert booking.code_display in page.locator("main").inner_text()
    # the confirmation follows the booking's commit (reservations/services/notices.py), here
    # inline as in the demo: written once, with the check-in code
    from madoguchi.notifications.models import Notification

    booking.refresh_from_db()
    assert booking.noticed_at is not None
    confirmations = Notification.objects.filter(dedupe_key=f"booking:{booking.pk}:confirmed", channel="email")
    assert confirmations.count() == 1
    assert booking.code_display in confirmations.get().body

    # 指定申請: back from the booking to the procedure it belongs to (no typed address), then
    # business rules refused next to the field, nothing typed lost
    follow(page, "「障害福祉サービス事業者の指定申請」の手続へ進む")
    assert phone.path == SHITEI, phone.path
    follow(page, "申請をはじめる")
    phone.check("start: who applies")
    page.get_by_label("本人が申請します").check()
    press(page, "次へ進む")
    phone.check("step corporation")
    answers = {
        "corporation_name": "特定非営利活動法人 あおぞら",
        "corporate_number": "1012345678901",  # wrong check digit
        "corporation_kind": "npo",
        "representative": {"family": "鈴木", "given": "花", "family_kana": "スズキ", "given_kana": "ハナ"},
        "representative_title": "理事長",
        "head_office": {
            "postal_code": "160-0023",
            "prefecture": "東京都",
            "city": "新宿区",
            "street": "西新宿2-8-1",
        },
    }
    for key, value in answers.items():
        harness.fill_field(
            page, {"key": key, "type": "select" if key == "corporation_kind" else "text"}, value
        )
    harness.press_next(page)
    phone.check("step corporation with a wrong 法人番号")
    assert "/steps/corporation/" in phone.path
    assert "法人番号" in error_next_to(page, "corporate_number")
    assert page.locator('[name="corporation_name"]').input_value() == "特定非営利活動法人 あおぞら"
    page.fill('[name="corporate_number"]', "６０１２３４５６７８９０１")  # full-width digits are fine
    harness.press_next(page)
    assert "/steps/office/" in phone.path, phone.path
    phone.check("step office")
    page.fill('[name="office_name"]', "あおぞら作業所")
    harness.fill_field(
        page,
        {"key": "office_address", "type": "address"},
        {"postal_code": "164-0001", "prefecture": "東京都", "city": "中野区", "street": "中野4-8-1"},
    )
    page.check('input[type="checkbox"][name="service_types"][value="shuro-b"]')
    page.fill('[name="capacity"]', "20")
    harness.fill_date(page, "start_date", timezone.localdate() + timezone.timedelta(days=60))
    page.check('input[type="radio"][name="briefing"][value="reserved"]')
    harness.press_next(page)
    phone.check("step office outside the ward")
    assert "/steps/office/" in phone.path
    assert "新宿区外" in page.locator(".field-error").first.inner_text()
    assert page.locator('[name="office_name"]').input_value() == "あおぞら作業所"
    phone.assert_no_problems()

    # 変更届 from the designation the demo issued: prefilled, changed, submitted
    phone.goto(f"/applications/{designation.pk}/")
    phone.check("designation")
    press(page, "変更届を出す")
    phone.check("change notice: the designation's answers")
    assert "/steps/designation/" in phone.path, phone.path
    assert page.locator('[name="office_name"]').input_value() == "ひまわり就労支援センター"
    assert page.locator('[name="corporate_number"]').input_value() == designation.data["corporate_number"]
    page.fill('[name="office_name"]', "ひまわり就労支援センター高田馬場")
    harness.press_next(page)
    phone.check("change notice: what changed")
    page.check('input[type="checkbox"][name="change_items"][value="name"]')
    harness.fill_date(page, "change_date", timezone.localdate())
    page.fill('[name="change_reason"]', "法人内の事業所の名称を統一したため。")
    assert page.locator('input[name="service_types"][value="shuro-b"]').is_checked()
    harness.press_next(page)
    phone.check("change notice: contact")
    assert page.locator('[name="contact_name"]').input_value() == "佐藤 一郎"
    page.check('input[type="checkbox"][name="agreement"]')
    harness.press_next(page)
    assert phone.path.endswith("/confirm/"), phone.path
    phone.check("change notice: confirm")
    press(page, "この内容で申請する")
    phone.check("change notice: receipt")
    notice = Application.objects.get(procedure__slug="shogai-fukushi-henko")
    assert notice.amends_id == designation.pk
    assert notice.data["office_name"] == "ひまわり就労支援センター高田馬場"
    assert notice.reference_number in page.locator("main").inner_text()
    phone.goto(f"/applications/{notice.pk}/")
    phone.check("change notice: status")
    assert designation.reference_number in page.locator("main").inner_text()
    phone.assert_no_problems()

    # staff: the booking in the 説明会's list of that day
    desk = open_page(width=DESKTOP["width"], height=DESKTOP["height"])
    harness.staff_sign_in(desk, STAFF, next_path="/reservations/staff/")
    day = timezone.localtime(booking.slot.starts_at).date().isoformat()
    desk.goto(f"/reservations/staff/r/{booking.resource_id}/?date={day}")
    desk.check("briefing day list")
    assert booking.code_display in desk.page.locator("main").inner_text()
    desk.assert_no_problems()
