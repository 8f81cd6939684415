"""Evaluation of parsed rule expressions. Every operation is total: it never raises on
data, it answers ``None`` ("unknown") when a value is missing or of the wrong kind.

Values: ``None``, ``bool``, ``float`` (every number), ``str``, ``list`` and ``dict`` (a
composite field such as 住所). Empty answers ("", [], {…all empty…}) read as ``None``.

- Arithmetic (+ - * /) works on numbers and numeric text ("1,200", "12.5", "３円");
  anything else, or division by zero, gives None.
- ``==`` / ``!=`` always answer true or false: None equals only None; a list equals a
  value it contains (checkboxes); booleans match yes/no/true/false/はい/いいえ text;
  numbers compare numerically with numeric text; otherwise exact text comparison.
- ``<`` ``<=`` ``>`` ``>=`` compare numbers numerically and text (ISO dates
  "2024-04-01", times "09:30") by code point; with None or mixed kinds they give None.
- and / or / not use three-valued logic (false and unknown = false; true or unknown =
  true; otherwise unknown stays unknown).

The JavaScript twin in static/js/fields.js follows these same rules; cases.json holds the
shared table both are tested against.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from madoguchi.procedures.rules.parser import parse

YES = {"yes", "true", "on", "1", "はい", "y"}
NO = {"no", "false", "off", "0", "いいえ", "n"}
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ISO_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


# ---------------------------------------------------------------------------- values


def normalize_value(value: Any) -> Any:
    """A stored or typed value as the language sees it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return value if value.strip() != "" else None
    if isinstance(value, list | tuple):
        items = [normalize_value(v) for v in value]
        return items if any(v is not None for v in items) else None
    if isinstance(value, dict):
        normalized = {str(k): normalize_value(v) for k, v in value.items()}
        return normalized if any(v is not None for v in normalized.values()) else None
    return str(value)


def lookup(data: dict[str, Any], path: str) -> Any:
    """``a.b`` reads part b of field a; on a list (group rows) it reads b of every row."""
    value: Any = data
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list):
            value = [row.get(part) if isinstance(row, dict) else None for row in value]
        else:
            return None
    return normalize_value(value)


def to_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        if text.endswith("円"):
            text = text[:-1]
        if _NUMBER_RE.fullmatch(text):
            return float(text)
    return None


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return True if value == 1 else False if value == 0 else None
    if isinstance(value, str):
        text = value.strip().lower()
        return True if text in YES else False if text in NO else None
    return None


def truth(value: Any) -> bool | None:
    """How a value reads as a condition: None stays unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        return False if text in NO else True
    return True  # a non-empty list or dict


def to_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    match = _ISO_DATE_RE.fullmatch(value.strip()[:10]) if len(value.strip()) >= 10 else None
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def equals(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, list):
        return any(equals(x, b) for x in a)
    if isinstance(b, list):
        return any(equals(a, y) for y in b)
    if isinstance(a, bool) or isinstance(b, bool):
        left, right = to_bool(a), to_bool(b)
        return left is not None and left == right
    if isinstance(a, float) or isinstance(b, float):
        left_n, right_n = to_number(a), to_number(b)
        return left_n is not None and left_n == right_n
    if isinstance(a, dict) or isinstance(b, dict):
        return a == b
    return a == b


def compare(op: str, a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    left_n, right_n = to_number(a), to_number(b)
    left: Any
    right: Any
    if left_n is not None and right_n is not None:
        left, right = left_n, right_n
    elif isinstance(a, str) and isinstance(b, str):
        left, right = a, b
    else:
        return None
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def arith(op: str, a: Any, b: Any) -> float | None:
    left, right = to_number(a), to_number(b)
    if left is None or right is None:
        return None
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op == "*":
        result = left * right
    else:
        if right == 0:
            return None
        result = left / right
    return result if math.isfinite(result) else None


# ---------------------------------------------------------------------------- functions


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


def _age(ctx: _Context, birth: Any, at: Any = "__today__") -> float | None:
    born = to_date(birth)
    on = ctx.today if at == "__today__" else to_date(at)
    if born is None or on is None:
        return None
    years = on.year - born.year - (1 if (on.month, on.day) < (born.month, born.day) else 0)
    return float(years)


def _days(ctx: _Context, start: Any, end: Any) -> float | None:
    first, last = to_date(start), to_date(end)
    if first is None or last is None:
        return None
    return float((last - first).days)


def _add_days(ctx: _Context, day: Any, days: Any) -> str | None:
    base, count = to_date(day), to_number(days)
    if base is None or count is None or not count.is_integer() or abs(count) > 100000:
        return None
    try:
        return (base + dt.timedelta(days=int(count))).isoformat()
    except OverflowError:
        return None


def _part_of_date(index: int):
    def call(ctx: _Context, day: Any) -> float | None:
        parsed = to_date(day)
        return None if parsed is None else float((parsed.year, parsed.month, parsed.day)[index])

    return call


def _sum(ctx: _Context, *values: Any) -> float:
    total = 0.0
    for item in _flatten(values):
        number = to_number(item)
        if number is not None:
            total += number
    return total


def _count(ctx: _Context, *values: Any) -> float:
    return float(sum(1 for item in _flatten(values) if item is not None))


def _extreme(pick: Callable[[float, float], bool]):
    def call(ctx: _Context, *values: Any) -> float | None:
        best: float | None = None
        for item in _flatten(values):
            number = to_number(item)
            if number is not None and (best is None or pick(number, best)):
                best = number
        return best

    return call


def _round(ctx: _Context, value: Any, places: Any = 0.0) -> float | None:
    number, digits = to_number(value), to_number(places)
    if number is None or digits is None or not digits.is_integer() or not 0 <= digits <= 10:
        return None
    factor = math.pow(10, digits)
    sign = -1.0 if number < 0 else 1.0
    return sign * math.floor(abs(number) * factor + 0.5) / factor


def _floor(ctx: _Context, value: Any) -> float | None:
    number = to_number(value)
    return None if number is None else float(math.floor(number))


def _abs(ctx: _Context, value: Any) -> float | None:
    number = to_number(value)
    return None if number is None else abs(number)


def _len(ctx: _Context, value: Any) -> float | None:
    if value is None:
        return 0.0
    if isinstance(value, str):
        return float(len(value))
    if isinstance(value, list):
        return float(len(value))
    return None


def _contains(ctx: _Context, container: Any, item: Any) -> bool | None:
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


# ---------------------------------------------------------------------------- walking


@dataclass
class _Context:
    data: dict[str, Any]
    today: dt.date


def _eval(tree: tuple, ctx: _Context) -> Any:
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind in ("str", "bool"):
        return tree[1]
    if kind == "null":
        return None
    if kind == "ref":
        return lookup(ctx.data, tree[1])
    if kind == "list":
        return [_eval(item, ctx) for item in tree[1]]
    if kind == "neg":
        number = to_number(_eval(tree[1], ctx))
        return None if number is None else -number
    if kind == "not":
        value = truth(_eval(tree[1], ctx))
        return None if value is None else not value
    if kind == "and":
        left = truth(_eval(tree[1], ctx))
        if left is False:
            return False
        right = truth(_eval(tree[2], ctx))
        if right is False:
            return False
        return None if left is None or right is None else True
    if kind == "or":
        left = truth(_eval(tree[1], ctx))
        if left is True:
            return True
        right = truth(_eval(tree[2], ctx))
        if right is True:
            return True
        return None if left is None or right is None else False
    if kind == "cmp":
        op, a, b = tree[1], _eval(tree[2], ctx), _eval(tree[3], ctx)
        if op == "==":
            return equals(a, b)
        if op == "!=":
            return not equals(a, b)
        return compare(op, a, b)
    if kind == "in":
        item, container = _eval(tree[1], ctx), _eval(tree[2], ctx)
        if container is None:
            return None
        if isinstance(container, list):
            return any(equals(item, x) for x in container)
        if isinstance(container, str) and isinstance(item, str):
            return item in container
        return None
    if kind == "arith":
        return arith(tree[1], _eval(tree[2], ctx), _eval(tree[3], ctx))
    if kind == "call":
        name, args = tree[1], tree[2]
        if name == "if":
            condition = truth(_eval(args[0], ctx))
            return _eval(args[1], ctx) if condition else _eval(args[2], ctx)
        return FUNCTIONS[name].call(ctx, *[_eval(arg, ctx) for arg in args])
    raise ValueError(f"unknown node {kind!r}")  # pragma: no cover - parse() makes only the above


def _today(today: dt.date | str | None) -> dt.date:
    if isinstance(today, dt.date):
        return today
    if isinstance(today, str):
        return dt.date.fromisoformat(today)
    from django.utils import timezone

    return timezone.localdate()


def evaluate(tree: tuple, data: dict[str, Any], *, today: dt.date | str | None = None) -> Any:
    return _eval(tree, _Context(data=data or {}, today=_today(today)))


def evaluate_text(text: str, data: dict[str, Any], *, today: dt.date | str | None = None) -> Any:
    return evaluate(parse(text), data, today=today)


def holds(text: str, data: dict[str, Any], *, today: dt.date | str | None = None) -> bool:
    """For show_if / required_if: only a definite true counts."""
    return truth(evaluate_text(text, data, today=today)) is True


def passes(text: str, data: dict[str, Any], *, today: dt.date | str | None = None) -> bool:
    """For checks and eligibility: only a definite false fails (missing answers do not)."""
    return truth(evaluate_text(text, data, today=today)) is not False
