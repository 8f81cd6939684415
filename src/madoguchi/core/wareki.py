"""和暦 (Japanese era) dates for display: 令和, 平成, 昭和, 大正 and 明治.

One place for every app (notices, receipts, the ledger); ``procedures.wareki`` reads what
people type and builds on these eras.

Era starts (Gregorian). The day an era starts is the first day of the new era; the
previous era ends the day before (明治45年7月29日 → 大正元年7月30日). 明治 starts on
1868-01-25 (慶応4年1月1日, the retroactive start used in official tables); dates before
1873-01-01 are proleptic Gregorian.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Era:
    name: str
    initial: str
    start: dt.date


ERAS: tuple[Era, ...] = (
    Era("明治", "M", dt.date(1868, 1, 25)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("令和", "R", dt.date(2019, 5, 1)),
)


def era_of(day: dt.date) -> Era | None:
    found = None
    for era in ERAS:
        if day >= era.start:
            found = era
    return found


def era_end(era: Era) -> dt.date | None:
    """The last day of ``era`` (None for the current era)."""
    index = ERAS.index(era)
    if index + 1 < len(ERAS):
        return ERAS[index + 1].start - dt.timedelta(days=1)
    return None


def era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def to_wareki(day: dt.date) -> str:
    """2024-04-01 → "令和6年4月1日"; 2019-05-01 → "令和元年5月1日". Before 明治: Gregorian."""
    era = era_of(day)
    if era is None:
        return f"{day.year}年{day.month}月{day.day}日"
    year = day.year - era.start.year + 1
    return f"{era.name}{era_year_text(year)}年{day.month}月{day.day}日"


def wareki_year(day: dt.date) -> str:
    """2024-04-01 → "令和6年" (the era year only)."""
    era = era_of(day)
    if era is None:
        return ""
    return f"{era.name}{era_year_text(day.year - era.start.year + 1)}年"


def format_date_ja(day: dt.date) -> str:
    """2024-04-01 → "2024年4月1日（令和6年）" for confirmation pages and receipts."""
    text = f"{day.year}年{day.month}月{day.day}日"
    era_year = wareki_year(day)
    return f"{text}（{era_year}）" if era_year else text
