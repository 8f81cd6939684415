"""Fiscal years (April to March) and their months."""

from __future__ import annotations

import datetime as dt

# ---------------------------------------------------------------------------- periods


def fiscal_year_of(day: dt.date) -> int:
    """年度: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_months(fiscal_year: int) -> list[dt.date]:
    return [dt.date(fiscal_year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
