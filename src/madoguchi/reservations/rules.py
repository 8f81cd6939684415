"""Rules about time: booking windows and which days and times a resource has slots.

Pure functions over a resource's settings, so they are easy to test with fixed dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from madoguchi.core.business_days import closure_reason

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Window:
    opens_at: dt.datetime
    closes_at: dt.datetime

    def state(self, now: dt.datetime) -> str:
        if now < self.opens_at:
            return "not_yet"
        if now >= self.closes_at:
            return "closed"
        return "open"


def booking_window(resource, starts_at: dt.datetime) -> Window:
    """Booking opens N days before the slot's date at the resource's opening time, closes M hours before."""
    tz = local_tz()
    slot_day = starts_at.astimezone(tz).date()
    opens_day = slot_day - dt.timedelta(days=resource.opens_days_before)
    opens_at = dt.datetime.combine(opens_day, resource.opens_at_time, tzinfo=tz)
    closes_at = starts_at - dt.timedelta(hours=resource.closes_hours_before)
    return Window(opens_at=opens_at, closes_at=closes_at)


def window_message(state: str, window: Window):
    tz = local_tz()
    if state == "not_yet":
        return _("この枠の予約受付は %(when)s からです。") % {
            "when": window.opens_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        }
    if state == "closed":
        return _("この枠の予約受付は終了しました（%(when)s まで）。") % {
            "when": window.closes_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        }
    return ""


def closed_reason(resource, day: dt.date, closures: set[dt.date] | dict[dt.date, str]) -> str | None:
    """Why the resource has no slots on ``day`` (holiday, 年末年始, ad-hoc closure) or None."""
    if day in closures:
        reason = closures[day] if isinstance(closures, dict) else ""
        return reason or str(_("臨時休業"))
    return closure_reason(
        day, closed_on_holidays=resource.closed_on_holidays, closed_year_end=resource.closed_year_end
    )


def _parse_time(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def slot_times(resource, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of each slot on ``day`` from the opening hours; ignores closures."""
    tz = local_tz()
    periods = resource.opening_hours.get(WEEKDAYS[day.weekday()], [])
    for start_text, end_text in periods:
        start = dt.datetime.combine(day, _parse_time(start_text), tzinfo=tz)
        end = dt.datetime.combine(day, _parse_time(end_text), tzinfo=tz)
        if end <= start:  # overnight (lodging: check-in 15:00 → check-out 10:00)
            end += dt.timedelta(days=1)
        if not resource.slot_minutes:
            yield start, end
            continue
        step = dt.timedelta(minutes=resource.slot_minutes)
        current = start
        while current + step <= end:
            yield current, current + step
            current += step


def validate_opening_hours(value) -> list[str]:
    """Problems with an opening-hours JSON value (empty list when fine)."""
    problems: list[str] = []
    if not isinstance(value, dict):
        return [str(_("受付時間は曜日ごとの一覧で指定してください。"))]
    for key, periods in value.items():
        if key not in WEEKDAYS:
            problems.append(str(_("曜日 %(key)s は使えません（mon〜sun）。") % {"key": key}))
            continue
        for period in periods:
            try:
                start, end = period
                _parse_time(start)
                _parse_time(end)
            except (TypeError, ValueError):
                problems.append(
                    str(
                        _("%(key)s の時間 %(p)s は HH:MM の組で指定してください。")
                        % {"key": key, "p": period}
                    )
                )
    return problems
