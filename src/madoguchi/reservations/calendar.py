"""Reservation seasons. Business days, public holidays and the closure reasons of a resource
(年末年始, a holiday's name) live in ``core/business_days.py``."""

from __future__ import annotations

import datetime as dt


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
