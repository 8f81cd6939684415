"""Scenario S6 (来庁予約 → 書かない窓口) in a browser, on the demo data: the booking and the
check-in on the day. (The QR review after the visit is tests/browser/test_s6_counter_review.py.)

A resident on a phone books a time at the 市民課 counter (first without her name: the message
next to the field, 422) and gets a code and a QR code. At the counter, on a desktop, staff type
the code of her booking for a later day: the page explains that check-in is only on the day and
what to do instead, without a button. Then they check in her booking for today (the demo made
one), which becomes 受付済み, and go on to the 書かない窓口 with her name and account filled in.
axe on every page.
"""

from __future__ import annotations

from django.utils import timezone

from madoguchi.accounts.models import User
from madoguchi.reservations.models import Booking
from tests.browser import harness

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}
RESIDENT = "hanako@example.jp"
COUNTER_STAFF = "counter@shinjuku.example.jp"
COUNTER = "市民課 来庁予約（転入・転出・マイナンバーカード）"


def follow(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name).first.click()


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def find_code(rec: harness.Recorder, code: str) -> None:
    rec.page.fill("#id_code", code)
    press(rec.page, "予約を探す")


def test_s6_counter_booking_and_check_in_on_the_day(open_page, site):
    today = Booking.objects.get(
        user__email=RESIDENT, resource__slug="shimin-madoguchi", slot__starts_at__date=timezone.localdate()
    )

    phone = open_page()
    page = phone.page
    harness.sign_in(phone, RESIDENT, next_path="/reservations/")
    phone.check("resources")
    follow(page, COUNTER)
    phone.check("counter calendar")
    assert phone.horizontal_overflow() == 0
    with page.expect_navigation():
        page.locator(".slot-open a").last.click()  # a later day (today she is booked)
    phone.check("booking form")
    account_name = User.objects.get(email=RESIDENT).display_name
    assert account_name and page.locator("#id_info-name").input_value() == account_name  # from her account
    page.select_option("#id_info-purpose", "move_in")
    page.fill("#id_info-name", "")  # still hers to change
    press(page, "この内容で予約する")  # without the name
    phone.check("booking form with an error")
    assert "お名前" in page.locator(".field-error").first.inner_text()
    assert page.locator("#id_info-purpose").input_value() == "move_in"  # nothing typed is lost
    # The same form in English: each field is drawn by its type with the English texts.
    with page.expect_navigation():
        page.locator("nav.site-nav button", has_text="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("#id_info-purpose", "move_in")
    page.fill("#id_info-name", "")
    press(page, "Book")
    phone.check("booking form with an error, in English")
    assert "Your name" in page.locator(".field-error").first.inner_text()
    assert page.locator("#id_info-purpose option[value=move_in]").inner_text() == "Moving in"
    assert page.locator("#id_info-purpose").input_value() == "move_in"
    with page.expect_navigation():
        page.locator("nav.site-nav button", has_text="日本語").click()
    page.select_option("#id_info-purpose", "move_in")
    page.fill("#id_info-name", "山田 花子")
    press(page, "この内容で予約する")
    phone.check("booking done")
    later = (
        Booking.objects.filter(user__email=RESIDENT, resource__slug="shimin-madoguchi")
        .exclude(pk=today.pk)
        .get()
    )
    assert later.code_display in page.locator("main").inner_text()
    assert page.locator("img.qr").count() == 1
    phone.assert_no_problems()

    desk = open_page(width=DESKTOP["width"], height=DESKTOP["height"])
    harness.staff_sign_in(desk, COUNTER_STAFF, next_path="/reservations/staff/")
    desk.check("staff reservations")
    follow(desk.page, COUNTER)
    desk.check("today's bookings")
    assert today.code_display in desk.page.locator("main").inner_text()
    follow(desk.page, "受付コードで受付する")
    desk.check("check-in by code")

    if timezone.localtime(later.slot.starts_at).date() != timezone.localdate():
        find_code(desk, later.code.lower())
        desk.check("a booking for another day")
        refusal = desk.page.locator("#checkin-refusal").inner_text()
        assert "当日だけ" in refusal and "予約なしの来庁として対応" in refusal
        assert desk.page.get_by_role("button", name="受付する").count() == 0

    find_code(desk, today.code_display)
    desk.check("today's booking found")
    press(desk.page, "受付する")
    desk.check("checked in")
    today.refresh_from_db()
    assert today.status == "checked_in"
    # … and goes straight on to the 書かない窓口 with the visitor filled in (nothing typed again)
    assert "受付済み" in desk.page.locator("main").inner_text()
    follow(desk.page, "書かない窓口で入力を始める")
    desk.check("書かない窓口 with the visitor")
    assert desk.path.startswith("/counter/")
    assert desk.page.locator("#visitor_name").input_value() == (today.data.get("name") or "山田 花子")
    assert desk.page.locator("#visitor_email").input_value() == RESIDENT
    desk.assert_no_problems()
