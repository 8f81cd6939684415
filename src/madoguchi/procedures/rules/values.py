"""Values as the rule language sees them, and what its operators do with them (docs/rules.md).

Every operation is total: it never raises on data; it answers ``None`` ("unknown") when a
value is missing or of the wrong kind.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

YES = {"yes", "true", "on", "1", "はい", "y"}
NO = {"no", "false", "off", "0", "いいえ", "n"}
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ISO_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


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
