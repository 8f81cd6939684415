"""Amounts and counts as people read them: 「2,000円」, 「1,200人」 — one format everywhere.

``yen`` is also the template filter ``{{ amount|yen }}`` (``core/templatetags/amounts.py``, a
builtin library). Numbers that name rather than count (a year, a 号) keep their digits together.
"""

from __future__ import annotations

from typing import Any

# Units after which a number is a name, not a quantity: 「2026年」, not 「2,026年」.
UNGROUPED_UNITS = ("年", "年度", "号", "番", "番地")


def _whole(value: Any) -> int | None:
    """The whole number ``value`` stands for (2000, "2000", 2000.0), else None."""
    if isinstance(value, float) and not value.is_integer():
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_is(value: Any) -> str:
    return "" if value is None else str(value)


def grouped(value: Any) -> str:
    """「2,000」 for 2000 (also "2000", 2000.0); anything that is not a whole number as it is."""
    number = _whole(value)
    return _as_is(value) if number is None else f"{number:,}"


def yen(value: Any) -> str:
    """「2,000円」 for 2000 (also "2000", 2000.0); anything that is not a whole number as it is."""
    number = _whole(value)
    return _as_is(value) if number is None else f"{number:,}円"


def with_unit(value: int, unit: str = "") -> str:
    """A whole number with its unit: 「1,200人」, 「2,000円」, but 「2026年」."""
    if unit in UNGROUPED_UNITS:
        return f"{value}{unit}"
    return f"{value:,}{unit}"
