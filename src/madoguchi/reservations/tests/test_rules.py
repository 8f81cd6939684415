import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from madoguchi.core.testing import make_resource
from madoguchi.reservations import rules
from madoguchi.reservations.models import Closure, Slot
from madoguchi.reservations.services import slots_generate

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS_9_TO_12 = {d: [["09:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


class _Resource:
    opens_days_before = 14
    opens_at_time = dt.time(9, 0)
    closes_hours_before = 24


def test_booking_opens_n_days_before_at_the_opening_time_and_closes_m_hours_before():
    slot_start = dt.datetime(2026, 6, 15, 10, 0, tzinfo=TOKYO)
    window = rules.booking_window(_Resource(), slot_start)
    assert window.opens_at == dt.datetime(2026, 6, 1, 9, 0, tzinfo=TOKYO)
    assert window.closes_at == dt.datetime(2026, 6, 14, 10, 0, tzinfo=TOKYO)
    assert window.state(dt.datetime(2026, 6, 1, 8, 59, tzinfo=TOKYO)) == "not_yet"
    assert window.state(dt.datetime(2026, 6, 1, 9, 0, tzinfo=TOKYO)) == "open"
    assert window.state(dt.datetime(2026, 6, 14, 10, 0, tzinfo=TOKYO)) == "closed"


def test_window_messages_say_when_booking_opens_or_closed():
    window = rules.booking_window(_Resource(), dt.datetime(2026, 6, 15, 10, 0, tzinfo=TOKYO))
    assert "2026-06-01 09:00 から" in str(rules.window_message("not_yet", window))
    assert "終了しました" in str(rules.window_message("closed", window))


def test_overnight_periods_end_the_next_day():
    class Lodging:
        opening_hours = {"sat": [["15:00", "10:00"]]}
        slot_minutes = 0

    ((start, end),) = list(rules.slot_times(Lodging(), dt.date(2026, 8, 1)))
    assert start == dt.datetime(2026, 8, 1, 15, 0, tzinfo=TOKYO)
    assert end == dt.datetime(2026, 8, 2, 10, 0, tzinfo=TOKYO)


def test_opening_hours_problems_are_reported():
    assert rules.validate_opening_hours({"mon": [["09:00", "12:00"]]}) == []
    assert rules.validate_opening_hours({"monday": []})
    assert rules.validate_opening_hours({"mon": [["9", "x"]]})


@pytest.mark.django_db
def test_counter_slots_skip_weekends_holidays_year_end_and_ad_hoc_closures():
    resource = make_resource(
        opening_hours=WEEKDAYS_9_TO_12, slot_minutes=60, closed_on_holidays=True, closed_year_end=True
    )
    Closure.objects.create(resource=resource, date=dt.date(2026, 12, 24), reason="システム更新")
    # 2026-12-21 (Mon) .. 2027-01-05 (Tue)
    created = slots_generate(resource=resource, start=dt.date(2026, 12, 21), end=dt.date(2027, 1, 5))
    days = sorted({s.starts_at.astimezone(TOKYO).date() for s in Slot.objects.filter(resource=resource)})
    assert days == [
        dt.date(2026, 12, 21),
        dt.date(2026, 12, 22),
        dt.date(2026, 12, 23),
        dt.date(2026, 12, 25),
        dt.date(2026, 12, 28),
        dt.date(2027, 1, 4),
        dt.date(2027, 1, 5),
    ]
    assert created == 7 * 3
    # idempotent
    assert slots_generate(resource=resource, start=dt.date(2026, 12, 21), end=dt.date(2027, 1, 5)) == 0


@pytest.mark.django_db
def test_lodging_open_on_holidays_gets_slots_on_holidays():
    resource = make_resource(
        opening_hours={"mon": [["15:00", "10:00"]]},
        slot_minutes=0,
        closed_on_holidays=False,
        closed_year_end=False,
    )
    slots_generate(resource=resource, start=dt.date(2026, 7, 20), end=dt.date(2026, 7, 20))  # 海の日 (Mon)
    assert Slot.objects.filter(resource=resource).count() == 1
