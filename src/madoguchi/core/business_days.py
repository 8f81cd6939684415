"""Business days (開庁日): not Saturday or Sunday, not a national holiday, not 年末年始 (12/29–1/3).

One home for every app (issue 12): the 標準処理期間 of a procedure counts business days (review;
a day on which the case waits for the applicant's correction does not count), and so do the
KPI figures (insights); a reservable resource is closed on holidays and 年末年始 by its own rules
(reservations, ``closure_reason``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import jpholiday


def holiday_name(day: dt.date) -> str | None:
    """The name of the public holiday (国民の祝日・振替休日・国民の休日) or None."""
    return jpholiday.is_holiday_name(day)


def is_year_end_holiday(day: dt.date) -> bool:
    """年末年始: December 29 to January 3 inclusive."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: dt.date) -> bool:
    if day.weekday() >= 5 or is_year_end_holiday(day):
        return False
    return not jpholiday.is_holiday(day)


def next_business_day(day: dt.date) -> dt.date:
    """The first business day on or after ``day``."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def add_business_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` business days after ``start`` (``start`` itself is not counted).

    Received on Friday with 1 day → due on Monday (if Monday is a business day).
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day if days else next_business_day(start)


@lru_cache(maxsize=256)
def _year_table(year: int) -> tuple[int, ...]:
    """Business days from 1 January of ``year`` up to each day of that year (inclusive)."""
    day, count, table = dt.date(year, 1, 1), 0, []
    while day.year == year:
        count += is_business_day(day)
        table.append(count)
        day += dt.timedelta(days=1)
    return tuple(table)


def _up_to(day: dt.date) -> int:
    """Business days from 1 January of the day's year up to ``day`` (inclusive)."""
    return _year_table(day.year)[day.timetuple().tm_yday - 1]


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days in (start, end]: how many business days passed from start to end.

    Counted from one table per year, made once per process, so the KPI refresh can ask it for
    every decided application (insights) without walking the days each time.
    """
    if end <= start:
        return 0
    whole_years = sum(_year_table(year)[-1] for year in range(start.year, end.year))
    return whole_years + _up_to(end) - _up_to(start)


def closure_reason(
    day: dt.date, *, closed_on_holidays: bool = True, closed_year_end: bool = True
) -> str | None:
    """Why a place with these rules is closed on ``day`` (年末年始, the holiday's name) or None.
    Weekends are not a reason here: a reservable resource has its own weekly hours."""
    if closed_year_end and is_year_end_holiday(day):
        return "年末年始"
    if closed_on_holidays:
        return holiday_name(day)
    return None
