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
from typing import Any

from madoguchi.procedures.rules.functions import FUNCTIONS, Context
from madoguchi.procedures.rules.parser import parse
from madoguchi.procedures.rules.values import (  # noqa: F401 - re-exported for callers
    arith,
    compare,
    equals,
    lookup,
    normalize_value,
    to_bool,
    to_date,
    to_number,
    truth,
)


def _eval(tree: tuple, ctx: Context) -> Any:
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
    return _eval(tree, Context(data=data or {}, today=_today(today)))


def evaluate_text(text: str, data: dict[str, Any], *, today: dt.date | str | None = None) -> Any:
    return evaluate(parse(text), data, today=today)


def holds(text: str, data: dict[str, Any], *, today: dt.date | str | None = None) -> bool:
    """For show_if / required_if: only a definite true counts."""
    return truth(evaluate_text(text, data, today=today)) is True


def passes(text: str, data: dict[str, Any], *, today: dt.date | str | None = None) -> bool:
    """For checks and eligibility: only a definite false fails (missing answers do not)."""
    return truth(evaluate_text(text, data, today=today)) is not False
