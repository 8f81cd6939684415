import datetime as dt

from madoguchi.reservations import calendar


def test_public_holidays_and_substitute_holidays_are_holidays():
    assert calendar.holiday_name(dt.date(2026, 1, 12)) == "成人の日"
    assert calendar.is_public_holiday(dt.date(2026, 5, 6))  # 振替休日 (5/3 is a Sunday)
    assert not calendar.is_public_holiday(dt.date(2026, 5, 7))


def test_year_end_closure_runs_from_december_29_to_january_3():
    assert not calendar.is_year_end_closure(dt.date(2026, 12, 28))
    assert calendar.is_year_end_closure(dt.date(2026, 12, 29))
    assert calendar.is_year_end_closure(dt.date(2027, 1, 3))
    assert not calendar.is_year_end_closure(dt.date(2027, 1, 4))


def test_business_days_skip_weekends_holidays_and_year_end():
    assert calendar.is_business_day(dt.date(2026, 4, 1))  # Wednesday
    assert not calendar.is_business_day(dt.date(2026, 4, 4))  # Saturday
    assert not calendar.is_business_day(dt.date(2026, 4, 29))  # 昭和の日
    assert not calendar.is_business_day(dt.date(2026, 12, 30))  # Wednesday in 年末年始
    # Friday 2026-12-25 + 1 business day → Monday 12-28; + 2 → Monday 2027-01-04 (年末年始 skipped)
    assert calendar.add_business_days(dt.date(2026, 12, 25), 1) == dt.date(2026, 12, 28)
    assert calendar.add_business_days(dt.date(2026, 12, 25), 2) == dt.date(2027, 1, 4)
    assert calendar.add_business_days(dt.date(2027, 1, 4), -1) == dt.date(2026, 12, 28)
    assert calendar.business_days_between(dt.date(2026, 12, 25), dt.date(2027, 1, 4)) == 2


def test_closure_reason_follows_the_resource_rules():
    new_year = dt.date(2027, 1, 1)
    assert calendar.closure_reason(new_year) == "年末年始"
    assert calendar.closure_reason(new_year, closed_year_end=False) == "元日"
    assert calendar.closure_reason(new_year, closed_year_end=False, closed_on_holidays=False) is None
