"""Scenario S5 (保養施設の宿泊予約 with a lottery for busy nights) in a browser, on the demo data.

A member on a phone goes from the 保養施設 procedure's page to the 軽井沢保養所's calendar, where
ordinary nights are booked first-come and busy nights lead to the lottery; she enters the open
lottery (first without a choice: the message next to the field, 422). The entry period ends;
welfare staff on a desktop press 抽選する; the member reads her result and confirms the place.
The demo's other lottery is ready for the draw on the day the demo starts. axe on every page.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from madoguchi.reservations.models import Booking, Lottery, LotteryEntry
from tests.browser import harness

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}
MEMBER = "hanako@example.jp"
STAFF = "kyosai-fukushi@example.jp"


def follow(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name).first.click()


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def test_s5_lottery_entry_draw_and_result(open_page, site):
    now = timezone.now()
    open_lottery = Lottery.objects.get(status="open", entries_close_at__gt=now)
    ready = Lottery.objects.get(status="open", entries_close_at__lte=now)
    assert "夏" not in open_lottery.title or timezone.localdate().month in (6, 7, 8)
    assert ready.entries.filter(user__email=MEMBER).exists()  # the demo's draw for today

    phone = open_page()
    page = phone.page
    harness.sign_in(phone, MEMBER, next_path="/kyosai/hoyo-shisetsu/")
    phone.check("procedure page")
    follow(page, "軽井沢保養所 和室（4名まで）の空き状況を見て予約する")
    phone.check("lodging calendar")
    assert phone.horizontal_overflow() == 0
    main = page.locator("main").inner_text()
    assert "この枠は抽選で受け付けています" not in main
    assert "予約できない日時について" in main  # the legend: why some nights cannot be booked
    follow(page, open_lottery.title)
    phone.check("lottery page")
    follow(page, "抽選に申し込む")
    phone.check("entry form")

    press(page, "抽選に申し込む")  # no first choice
    phone.check("entry form with an error")
    assert "第1希望を選んでください。" in page.locator(".field-error").first.inner_text()
    first_night = open_lottery.slots.order_by("starts_at").first()
    page.select_option("#id_first_choice", str(first_night.pk))
    page.select_option("#id_party_size", "3")
    press(page, "抽選に申し込む")
    phone.check("my bookings after the entry")
    assert rec_path(phone) == "/reservations/mine/"
    assert open_lottery.title in page.locator("main").inner_text()
    entry = LotteryEntry.objects.get(lottery=open_lottery, user__email=MEMBER)
    assert entry.party_size == 3

    # The entry period ends (a week later in real life).
    Lottery.objects.filter(pk=open_lottery.pk).update(
        entries_close_at=timezone.now() - dt.timedelta(minutes=1)
    )

    desk = open_page(width=DESKTOP["width"], height=DESKTOP["height"])
    harness.staff_sign_in(desk, STAFF, next_path="/reservations/staff/")
    desk.check("staff reservations")
    desk.goto(f"/reservations/staff/lotteries/{open_lottery.pk}/")
    desk.check("staff lottery before the draw")
    assert "申込の受付終了・抽選前" in desk.page.locator("main").inner_text()  # not 「受付中」
    press(desk.page, "抽選する")
    desk.check("staff lottery after the draw")
    assert "抽選済み" in desk.page.locator("main").inner_text()
    desk.goto(f"/reservations/staff/lotteries/{ready.pk}/")
    desk.check("the demo's lottery ready for today")
    assert desk.page.get_by_role("button", name="抽選する").count() == 1
    desk.assert_no_problems()

    phone.goto("/reservations/mine/")
    phone.check("my bookings after the draw")
    entry.refresh_from_db()
    assert entry.status == "won"  # the only entry for that lottery
    assert "当選（確定待ち）" in page.locator("main").inner_text()
    follow(page, "予約を見る")
    phone.check("won booking")
    press(page, "予約を確定する")
    phone.check("confirmed booking")
    assert Booking.objects.get(pk=entry.booking_id).status == "confirmed"
    phone.goto(f"/reservations/lotteries/{open_lottery.pk}/")
    phone.check("lottery page after the draw")
    assert open_lottery.seed_commitment in page.locator("main").inner_text()
    phone.assert_no_problems()


def rec_path(rec: harness.Recorder) -> str:
    return rec.path
