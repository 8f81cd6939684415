"""Conditions for show_if / required_if.

A condition is a small JSON object, evaluated without eval:

    {"field": "relationship", "equals": "other"}
    {"field": "kind", "in": ["a", "b"]}
    {"field": "consent", "not_empty": true}
    {"all": [cond, ...]} / {"any": [cond, ...]} / {"not": cond}

The rules issue extends this with an expression language; these forms stay valid.
"""

from __future__ import annotations

from typing import Any


def _value(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def condition_holds(cond: dict[str, Any], data: dict[str, Any]) -> bool:
    if "all" in cond:
        return all(condition_holds(c, data) for c in cond["all"])
    if "any" in cond:
        return any(condition_holds(c, data) for c in cond["any"])
    if "not" in cond:
        return not condition_holds(cond["not"], data)
    value = _value(data, cond["field"])
    if "equals" in cond:
        if isinstance(value, list):
            return str(cond["equals"]) in [str(v) for v in value]
        return str(value) == str(cond["equals"]) if value is not None else False
    if "in" in cond:
        allowed = [str(v) for v in cond["in"]]
        if isinstance(value, list):
            return any(str(v) in allowed for v in value)
        return str(value) in allowed if value is not None else False
    if "not_empty" in cond:
        return (not _empty(value)) == bool(cond["not_empty"])
    raise ValueError(f"unknown condition: {cond!r}")
