"""和暦 (Japanese era) dates: parsing what people type and displaying dates.

Era starts (Gregorian). The day an era starts is the first day of the new era; the
previous era ends the day before (明治45年7月29日 → 大正元年7月30日).

- 明治 1868-01-25. The 改元の詔 made 明治 apply retroactively from 慶応4年1月1日, which
  is 1868-01-25 in the Gregorian calendar. We use that retroactive start rather than the
  day of the proclamation (1868-10-23) so that every day of 1868 from 慶応4年1月1日 is
  明治元年, as in official tables. Japan used the lunisolar calendar until 明治5年12月2日
  (1872-12-31); dates before 1873-01-01 are treated in the proleptic Gregorian calendar,
  so 明治1〜5年 month/day numbers do not match historical documents. No living applicant
  is affected; a procedure that needs such dates should ask for the Gregorian year.
- 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08, 令和 2019-05-01.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from madoguchi.core.wareki import (  # noqa: F401 - re-exported: the display half lives in core
    ERAS,
    Era,
    era_end,
    era_of,
    era_year_text,
    format_date_ja,
    to_wareki,
    wareki_year,
)
from madoguchi.procedures.normalize import remove_spaces, to_halfwidth

_BY_NAME = {e.name: e for e in ERAS} | {e.name[0]: e for e in ERAS} | {e.initial: e for e in ERAS}


class WarekiError(ValueError):
    """The text is not a date we can read. ``message`` is plain Japanese (no field name).

    ``suggestion`` is the date the person probably meant (era mix-ups), else None.
    """

    def __init__(self, message: str, *, suggestion: dt.date | None = None):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


_ERA_ALT = "|".join(
    sorted(
        {re.escape(k) for k in _BY_NAME} | {re.escape(e.initial.lower()) for e in ERAS}, key=len, reverse=True
    )
)
_SEP = r"[-/.年]"
_PATTERNS = (
    # 2024-04-01, 2024/4/1, 2024.4.1, 2024年4月1日
    ("gregorian", re.compile(r"(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})(?:[-/.]|月)(?P<d>\d{1,2})日?")),
    # 20240401
    ("gregorian", re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")),
    # 令和6年4月1日, 令和元年5月1日, R6.4.1, R6/4/1, H31.4.30, 令6.4.1
    (
        "era",
        re.compile(
            rf"(?P<era>{_ERA_ALT})(?P<y>元|\d{{1,2}})(?:{_SEP})(?P<m>\d{{1,2}})(?:[-/.]|月)(?P<d>\d{{1,2}})日?"
        ),
    ),
)


def _clean_text(text: str) -> str:
    text = remove_spaces(to_halfwidth(text))
    # 全角の長音・ダッシュ類 typed as separators → "-"
    return re.sub("[ー−‐–—―]", "-", text)


def parse_date(text: str) -> dt.date:
    """Read a date typed in any common Japanese way. Raises WarekiError.

    Accepts 2024-04-01, 2024/4/1, 2024年4月1日, 20240401, 令和6年4月1日, 令和元年5月1日,
    R6.4.1, R6/4/1, H31.4.30, 昭和/大正/明治 and their initials (M/T/S/H/R, also lower case
    and the first kanji 令/平/昭/大/明), 全角 digits, ㍻-style ligatures and stray spaces.
    """
    cleaned = _clean_text(text)
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if not match:
            continue
        month, day = int(match["m"]), int(match["d"])
        if kind == "gregorian":
            year = int(match["y"])
            return _make_date(year, month, day, shown=f"{year}年{month}月{day}日")
        era = _BY_NAME.get(match["era"]) or _BY_NAME[match["era"].upper()]
        era_year = 1 if match["y"] == "元" else int(match["y"])
        shown = f"{era.name}{match['y']}年{month}月{day}日"
        if era_year < 1:
            raise WarekiError(_("%(date)sは存在しません。") % {"date": shown})
        result = _make_date(era.start.year + era_year - 1, month, day, shown=shown)
        end = era_end(era)
        if result < era.start or (end is not None and result > end):
            if era_of(result) is None:
                raise WarekiError(_("%(date)sは存在しません。") % {"date": shown})
            raise WarekiError(
                _("%(date)sは存在しません。%(suggestion)sのことですか？")
                % {"date": shown, "suggestion": to_wareki(result)},
                suggestion=result,
            )
        return result
    raise WarekiError(
        _("日付として読み取れません。2024年4月1日、2024/4/1、令和6年4月1日 のように入力してください。")
    )


def _make_date(year: int, month: int, day: int, *, shown: str) -> dt.date:
    if not 1 <= month <= 12:
        raise WarekiError(_("%(date)sは存在しない日付です（月は1〜12です）。") % {"date": shown})
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise WarekiError(
            _("%(date)sは存在しない日付です。%(month)s月の日付をご確認ください。")
            % {"date": shown, "month": month}
        ) from None


# ---------------------------------------------------------------------------- 年月 (year and month)

_MONTH_PATTERNS = (
    # 2026-10, 2026/10, 2026.10, 2026年10月
    ("gregorian", re.compile(r"(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})月?")),
    # 202610
    ("gregorian", re.compile(r"(?P<y>\d{4})(?P<m>\d{2})")),
    # 令和8年10月, 令和元年5月, R8.10, R8/10, 令8.10
    ("era", re.compile(rf"(?P<era>{_ERA_ALT})(?P<y>元|\d{{1,2}})(?:{_SEP})(?P<m>\d{{1,2}})月?")),
)


def month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def to_wareki_month(year: int, month: int) -> str:
    """(2026, 10) → "令和8年10月"; a month in which an era begins takes the new era (2019-05 → 令和元年5月)."""
    last = month_end(year, month)
    era = era_of(last)
    if era is None:
        return f"{year}年{month}月"
    return f"{era.name}{era_year_text(year - era.start.year + 1)}年{month}月"


def format_month_ja(year: int, month: int) -> str:
    """(2026, 10) → "2026年10月（令和8年）" for confirmation pages and receipts."""
    era_year = wareki_year(month_end(year, month))
    text = f"{year}年{month}月"
    return f"{text}（{era_year}）" if era_year else text


def parse_year_month(text: str) -> tuple[int, int]:
    """Read a year and month typed in any common Japanese way. Raises WarekiError.

    Accepts 2026-10, 2026/10, 2026年10月, 202610, 令和8年10月, 令和元年5月, R8.10, R8/10,
    the era initials and first kanji as for dates, and 全角 digits. A month in which the era
    did not run (令和元年4月, 平成31年5月) is refused with the month probably meant.
    """
    cleaned = _clean_text(text)
    for kind, pattern in _MONTH_PATTERNS:
        match = pattern.fullmatch(cleaned)
        if not match:
            continue
        month = int(match["m"])
        if kind == "gregorian":
            year = int(match["y"])
            shown = f"{year}年{month}月"
        else:
            era = _BY_NAME.get(match["era"]) or _BY_NAME[match["era"].upper()]
            era_year = 1 if match["y"] == "元" else int(match["y"])
            shown = f"{era.name}{match['y']}年{month}月"
            if era_year < 1:
                raise WarekiError(_("%(date)sは存在しません。") % {"date": shown})
            year = era.start.year + era_year - 1
        if not 1 <= month <= 12:
            raise WarekiError(_("%(date)sは存在しない年月です（月は1〜12です）。") % {"date": shown})
        if kind == "era":
            first, last = dt.date(year, month, 1), month_end(year, month)
            end = era_end(era)
            if last < era.start or (end is not None and first > end):
                if era_of(last) is None:
                    raise WarekiError(_("%(date)sは存在しません。") % {"date": shown})
                raise WarekiError(
                    _("%(date)sは存在しません。%(suggestion)sのことですか？")
                    % {"date": shown, "suggestion": to_wareki_month(year, month)}
                )
        return year, month
    raise WarekiError(
        _("年月として読み取れません。2026年10月、2026/10、令和8年10月 のように入力してください。")
    )
