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


_LEAF_OPERATORS = ("equals", "in", "not_empty")


def condition_problems(cond: Any) -> list[str]:
    """Structural problems of a condition (unknown operator, wrong shapes), in English ids.

    ``check_definition`` turns these into messages for form builders.
    """
    if not isinstance(cond, dict) or not cond:
        return ["not an object"]
    if "all" in cond or "any" in cond:
        op = "all" if "all" in cond else "any"
        items = cond[op]
        if not isinstance(items, list) or not items:
            return [f"'{op}' needs a non-empty list"]
        return [problem for item in items for problem in condition_problems(item)]
    if "not" in cond:
        return condition_problems(cond["not"])
    field = cond.get("field")
    if not isinstance(field, str) or not field:
        return ["'field' is missing"]
    operators = [op for op in _LEAF_OPERATORS if op in cond]
    if len(operators) != 1:
        return [f"exactly one of {', '.join(_LEAF_OPERATORS)} is needed"]
    if "in" in cond and not isinstance(cond["in"], list):
        return ["'in' needs a list"]
    return []


def condition_fields(cond: Any) -> list[str]:
    """Field paths a (well-formed) condition reads, e.g. ["kind", "address.prefecture"]."""
    if not isinstance(cond, dict):
        return []
    for op in ("all", "any"):
        if op in cond and isinstance(cond[op], list):
            return [f for item in cond[op] for f in condition_fields(item)]
    if "not" in cond:
        return condition_fields(cond["not"])
    return [cond["field"]] if isinstance(cond.get("field"), str) else []
