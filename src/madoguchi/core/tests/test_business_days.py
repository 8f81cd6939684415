import datetime as dt

from madoguchi.core.business_days import (
    add_business_days,
    business_days_between,
    closure_reason,
    holiday_name,
    is_business_day,
    is_year_end_holiday,
)


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


def test_public_holidays_and_substitute_holidays_have_names():
    assert holiday_name(dt.date(2026, 1, 12)) == "成人の日"
    assert holiday_name(dt.date(2026, 5, 6)) is not None  # 振替休日 (5/3 is a Sunday)
    assert holiday_name(dt.date(2026, 5, 7)) is None


def test_year_end_closure_runs_from_december_29_to_january_3():
    assert not is_year_end_holiday(dt.date(2026, 12, 28))
    assert is_year_end_holiday(dt.date(2026, 12, 29))
    assert is_year_end_holiday(dt.date(2027, 1, 3))
    assert not is_year_end_holiday(dt.date(2027, 1, 4))


def test_business_days_over_the_year_end():
    assert not is_business_day(dt.date(2026, 4, 29))  # 昭和の日
    assert not is_business_day(dt.date(2026, 12, 30))  # Wednesday in 年末年始
    # Friday 2026-12-25 + 1 business day → Monday 12-28; + 2 → Monday 2027-01-04 (年末年始 skipped)
    assert add_business_days(dt.date(2026, 12, 25), 1) == dt.date(2026, 12, 28)
    assert add_business_days(dt.date(2026, 12, 25), 2) == dt.date(2027, 1, 4)
    assert business_days_between(dt.date(2026, 12, 25), dt.date(2027, 1, 4)) == 2


def test_closure_reason_follows_the_resource_rules():
    new_year = dt.date(2027, 1, 1)
    assert closure_reason(new_year) == "年末年始"
    assert closure_reason(new_year, closed_year_end=False) == "元日"
    assert closure_reason(new_year, closed_year_end=False, closed_on_holidays=False) is None
    assert closure_reason(dt.date(2026, 4, 29), closed_on_holidays=False) is None
    assert closure_reason(dt.date(2026, 4, 29)) == "昭和の日"
    assert closure_reason(dt.date(2026, 4, 1)) is None  # a Wednesday


def test_business_days_between_agrees_with_counting_day_by_day_across_years():
    def walked(start: dt.date, end: dt.date) -> int:
        days = (start + dt.timedelta(days=n) for n in range(1, (end - start).days + 1))
        return sum(is_business_day(day) for day in days)

    starts = [dt.date(1999, 12, 30), dt.date(2024, 2, 28), dt.date(2025, 12, 26), dt.date(2026, 3, 31)]
    for start in starts:
        for length in (0, 1, 3, 40, 366, 800):
            end = start + dt.timedelta(days=length)
            assert business_days_between(start, end) == walked(start, end), (start, end)
    assert business_days_between(dt.date(2026, 1, 5), dt.date(2025, 1, 5)) == 0
