import datetime as dt

from madoguchi.core.business_days import add_business_days, business_days_between, is_business_day


def test_weekends_national_holidays_and_year_end_are_not_business_days():
    assert not is_business_day(dt.date(2025, 11, 22))  # Saturday
    assert not is_business_day(dt.date(2025, 11, 24))  # 振替休日 (勤労感謝の日 on Sunday)
    assert not is_business_day(dt.date(2025, 12, 29))  # 年末
    assert not is_business_day(dt.date(2026, 1, 2))  # 年始
    assert is_business_day(dt.date(2025, 11, 25))


def test_adding_business_days_skips_the_year_end_closure():
    # Friday 2025-12-26 + 1 business day → Monday 2026-01-05 (12/29–1/3 closed, 1/4 is Sunday)
    assert add_business_days(dt.date(2025, 12, 26), 1) == dt.date(2026, 1, 5)


def test_adding_business_days_over_a_weekend():
    assert add_business_days(dt.date(2025, 11, 21), 1) == dt.date(2025, 11, 25)  # Fri → Tue (Mon holiday)
    assert add_business_days(dt.date(2025, 11, 25), 5) == dt.date(2025, 12, 2)


def test_zero_days_from_a_holiday_is_the_next_business_day():
    assert add_business_days(dt.date(2025, 11, 22), 0) == dt.date(2025, 11, 25)


def test_business_days_between_counts_only_open_days():
    assert business_days_between(dt.date(2025, 11, 21), dt.date(2025, 11, 25)) == 1
    assert business_days_between(dt.date(2025, 11, 25), dt.date(2025, 11, 25)) == 0
    assert business_days_between(dt.date(2025, 12, 26), dt.date(2026, 1, 5)) == 1
