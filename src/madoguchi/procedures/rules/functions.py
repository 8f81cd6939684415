"""The functions of the rule language (``age``, ``sum``, ``if`` …): one table, ``FUNCTIONS``.

The parser accepts only names in this table (with their arity); the evaluator calls them;
the builder lists them. ``if`` has no ``call``: the evaluator evaluates only the branch it needs.
The JavaScript twin (static/js/fields.js) implements the same table.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from madoguchi.procedures.rules.values import equals, to_date, to_number


@dataclass
class Context:
    """What a function may read besides its arguments."""

    data: dict[str, Any]
    today: dt.date


@dataclass(frozen=True)
class Function:
    call: Callable[..., Any]
    arity: tuple[int, int | None]
    usage: str


def _flatten(values: tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(_flatten(tuple(value)))
        else:
            out.append(value)
    return out


def _age(ctx: Context, birth: Any, at: Any = "__today__") -> float | None:
    born = to_date(birth)
    on = ctx.today if at == "__today__" else to_date(at)
    if born is None or on is None:
        return None
    years = on.year - born.year - (1 if (on.month, on.day) < (born.month, born.day) else 0)
    return float(years)


def _days(ctx: Context, start: Any, end: Any) -> float | None:
    first, last = to_date(start), to_date(end)
    if first is None or last is None:
        return None
    return float((last - first).days)


def _add_days(ctx: Context, day: Any, days: Any) -> str | None:
    base, count = to_date(day), to_number(days)
    if base is None or count is None or not count.is_integer() or abs(count) > 100000:
        return None
    try:
        return (base + dt.timedelta(days=int(count))).isoformat()
    except OverflowError:
        return None


def _part_of_date(index: int):
    def call(ctx: Context, day: Any) -> float | None:
        parsed = to_date(day)
        return None if parsed is None else float((parsed.year, parsed.month, parsed.day)[index])

    return call


def _sum(ctx: Context, *values: Any) -> float:
    total = 0.0
    for item in _flatten(values):
        number = to_number(item)
        if number is not None:
            total += number
    return total


def _count(ctx: Context, *values: Any) -> float:
    return float(sum(1 for item in _flatten(values) if item is not None))


def _extreme(pick: Callable[[float, float], bool]):
    def call(ctx: Context, *values: Any) -> float | None:
        best: float | None = None
        for item in _flatten(values):
            number = to_number(item)
            if number is not None and (best is None or pick(number, best)):
                best = number
        return best

    return call


def _round(ctx: Context, value: Any, places: Any = 0.0) -> float | None:
    number, digits = to_number(value), to_number(places)
    if number is None or digits is None or not digits.is_integer() or not 0 <= digits <= 10:
        return None
    factor = math.pow(10, digits)
    sign = -1.0 if number < 0 else 1.0
    return sign * math.floor(abs(number) * factor + 0.5) / factor


def _floor(ctx: Context, value: Any) -> float | None:
    number = to_number(value)
    return None if number is None else float(math.floor(number))


def _abs(ctx: Context, value: Any) -> float | None:
    number = to_number(value)
    return None if number is None else abs(number)


def _len(ctx: Context, value: Any) -> float | None:
    if value is None:
        return 0.0
    if isinstance(value, str):
        return float(len(value))
    if isinstance(value, list):
        return float(len(value))
    return None


def _contains(ctx: Context, container: Any, item: Any) -> bool | None:
    if container is None:
        return False
    if isinstance(container, list):
        return any(equals(x, item) for x in container)
    if isinstance(container, str) and isinstance(item, str):
        return item in container
    return None


FUNCTIONS: dict[str, Function] = {
    "today": Function(lambda ctx: ctx.today.isoformat(), (0, 0), "today()"),
    "age": Function(_age, (1, 2), "age(生年月日) または age(生年月日, 基準日)"),
    "days": Function(_days, (2, 2), "days(開始日, 終了日)"),
    "add_days": Function(_add_days, (2, 2), "add_days(日付, 日数)"),
    "year": Function(_part_of_date(0), (1, 1), "year(日付)"),
    "month": Function(_part_of_date(1), (1, 1), "month(日付)"),
    "sum": Function(_sum, (1, None), "sum(グループ.項目) または sum(a, b, …)"),
    "count": Function(_count, (1, None), "count(グループ) または count(項目)"),
    "min": Function(_extreme(lambda a, b: a < b), (1, None), "min(a, b, …)"),
    "max": Function(_extreme(lambda a, b: a > b), (1, None), "max(a, b, …)"),
    "round": Function(_round, (1, 2), "round(数値) または round(数値, 桁数)"),
    "floor": Function(_floor, (1, 1), "floor(数値)"),
    "abs": Function(_abs, (1, 1), "abs(数値)"),
    "len": Function(_len, (1, 1), "len(文字列)"),
    "empty": Function(lambda ctx, value: value is None, (1, 1), "empty(項目)"),
    "contains": Function(_contains, (2, 2), "contains(項目, 値)"),
    "if": Function(None, (3, 3), "if(条件, 真のとき, 偽のとき)"),  # type: ignore[arg-type]
}
