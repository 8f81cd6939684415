"""A repeating group's rows as data: the limits, the sub-fields and checks of a row, and adding or
removing a row without JavaScript (``apply_group_action``). The group type is ``group.py``; the
rows' rules (which names a row's conditions read, what an earlier page decides) ``group_rules.py``."""

from __future__ import annotations

from typing import Any

from madoguchi.procedures.fields.base import get_rules, registry

DEFAULT_MAX = 10
HARD_MAX = 50
PENDING = "__pending"  # marks a row just added without JavaScript (never stored on success)
PAGE_FIELDS = "__page_fields"  # the fields of the page a group is drawn on (for_page; never stored)


def sub_specs(spec: dict) -> list[dict]:
    return [f for f in spec.get("fields") or [] if isinstance(f, dict) and f.get("type") in registry]


def row_checks(spec: dict) -> list[dict]:
    checks = spec.get("checks")
    return [c for c in checks if isinstance(c, dict)] if isinstance(checks, list) else []


def row_limit(spec: dict) -> int:
    high = get_rules(spec).get("max_items", DEFAULT_MAX)
    return max(1, min(int(high) if isinstance(high, int) else DEFAULT_MAX, HARD_MAX))


def row_minimum(spec: dict) -> int:
    low = get_rules(spec).get("min_items", 0)
    return max(0, int(low) if isinstance(low, int) else 0)


def apply_group_action(spec: dict, raw: dict[str, Any], action: str) -> dict[str, Any]:
    """``add`` or ``remove.<n>`` on the rows of a group, for a post without JavaScript."""
    key = spec["key"]
    rows = [dict(r) for r in raw.get(key) or [] if isinstance(r, dict)]
    if action == "add" and len(rows) < row_limit(spec):
        rows.append({PENDING: True})
    elif action.startswith("remove."):
        try:
            index = int(action.split(".", 1)[1])
        except ValueError:
            index = -1
        if 0 <= index < len(rows):
            rows.pop(index)
    raw[key] = rows
    return raw
