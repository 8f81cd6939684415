"""Japanese business-day calendar: public holidays (jpholiday) and 年末年始 (12/29–1/3).

A pure module (no Django), so it can move to ``core`` later without changes.
"""

from __future__ import annotations

import datetime as dt

import jpholiday

YEAR_END_START = (12, 29)
YEAR_END_END = (1, 3)


def holiday_name(day: dt.date) -> str | None:
    """The name of the public holiday (国民の祝日・振替休日・国民の休日) or None."""
    return jpholiday.is_holiday_name(day)


def is_public_holiday(day: dt.date) -> bool:
    return holiday_name(day) is not None


def is_year_end_closure(day: dt.date) -> bool:
    """年末年始: December 29 to January 3 inclusive."""
    return (day.month, day.day) >= YEAR_END_START or (day.month, day.day) <= YEAR_END_END


def is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


def is_business_day(day: dt.date) -> bool:
    """開庁日: a weekday that is neither a public holiday nor 年末年始."""
    return not (is_weekend(day) or is_public_holiday(day) or is_year_end_closure(day))


def closure_reason(
    day: dt.date, *, closed_on_holidays: bool = True, closed_year_end: bool = True
) -> str | None:
    """Why a resource with these rules is closed on ``day`` (holiday name, 年末年始) or None."""
    if closed_year_end and is_year_end_closure(day):
        return "年末年始"
    if closed_on_holidays:
        return holiday_name(day)
    return None


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The ``count``-th business day after ``day`` (before it when negative)."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += dt.timedelta(days=step)
        if is_business_day(current):
            remaining -= 1
    return current


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days in (start, end]."""
    if end <= start:
        return 0
    return sum(1 for n in range(1, (end - start).days + 1) if is_business_day(start + dt.timedelta(days=n)))


def peak_season(day: dt.date) -> str:
    """The busy season a night belongs to, for naming a lodging lottery (年末年始, 春休み,
    ゴールデンウィーク, 夏休み, or 週末 otherwise)."""
    md = (day.month, day.day)
    if md >= (12, 27) or md <= (1, 4):
        return "年末年始"
    if (3, 20) <= md <= (4, 6):
        return "春休み"
    if (4, 27) <= md <= (5, 6):
        return "ゴールデンウィーク"
    if (7, 18) <= md <= (8, 31):
        return "夏休み"
    return "週末"
