"""Conditions for show_if / required_if.

A condition is a small JSON object, evaluated without eval:

    {"field": "relationship", "equals": "other"}
    {"field": "kind", "in": ["a", "b"]}
    {"field": "consent", "not_empty": true}
    {"all": [cond, ...]} / {"any": [cond, ...]} / {"not": cond}
    {"expr": "age(birth_date) >= 65 and kind != 'other'"}   (docs/rules.md)

The expression form is the rule language of ``procedures.rules``. A condition holds only
when it is definitely true. (``condition_holds`` also reads a bare string as an
expression, but definitions must use ``{"expr": ...}``: check_definition says so.)
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


def _matches(value: Any, expected: Any) -> bool:
    if isinstance(value, bool):  # yes_no answers: True matches "yes"/"true"/"はい"
        from madoguchi.procedures.rules.values import to_bool

        return to_bool(expected if isinstance(expected, bool) else str(expected)) is value
    return str(value) == str(expected)


def expression_of(cond: Any) -> str | None:
    """The expression text of an expression condition, else None."""
    if isinstance(cond, str):
        return cond
    if isinstance(cond, dict) and "expr" in cond:
        return cond["expr"] if isinstance(cond["expr"], str) else ""
    return None


def condition_holds(cond: dict[str, Any] | str, data: dict[str, Any]) -> bool:
    expression = expression_of(cond)
    if expression is not None:
        from madoguchi.procedures import rules

        try:
            return rules.holds(expression, data)
        except rules.RuleSyntaxError:
            return False  # check_definition refuses such definitions before publishing
    if "all" in cond:
        return all(condition_holds(c, data) for c in cond["all"])
    if "any" in cond:
        return any(condition_holds(c, data) for c in cond["any"])
    if "not" in cond:
        return not condition_holds(cond["not"], data)
    value = _value(data, cond["field"])
    if "equals" in cond:
        if isinstance(value, list):
            return any(_matches(v, cond["equals"]) for v in value)
        return _matches(value, cond["equals"]) if value is not None else False
    if "in" in cond:
        allowed = [str(v) for v in cond["in"]]
        if isinstance(value, list):
            return any(str(v) in allowed for v in value)
        if isinstance(value, bool):
            return any(_matches(value, v) for v in cond["in"])
        return str(value) in allowed if value is not None else False
    if "not_empty" in cond:
        return (not _empty(value)) == bool(cond["not_empty"])
    raise ValueError(f"unknown condition: {cond!r}")


_LEAF_OPERATORS = ("equals", "in", "not_empty")


def condition_problems(cond: Any) -> list[str]:
    """Structural problems of a condition (unknown operator, wrong shapes), in English ids.

    ``check_definition`` turns these into messages for form builders.
    """
    if isinstance(cond, str):
        return ['write an expression as {"expr": "..."}']
    expression = expression_of(cond)
    if expression is not None:
        from madoguchi.procedures import rules

        if len(cond) != 1:
            return ["'expr' cannot be combined with other keys"]
        try:
            rules.parse(expression)
        except rules.RuleSyntaxError as exc:
            return [exc.message]
        return []
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
    expression = expression_of(cond)
    if expression is not None:
        from madoguchi.procedures import rules

        try:
            return rules.fields_of(expression)
        except rules.RuleSyntaxError:
            return []
    if not isinstance(cond, dict):
        return []
    for op in ("all", "any"):
        if op in cond and isinstance(cond[op], list):
            return [f for item in cond[op] for f in condition_fields(item)]
    if "not" in cond:
        return condition_fields(cond["not"])
    return [cond["field"]] if isinstance(cond.get("field"), str) else []


def condition_keys(cond: Any) -> set[str]:
    """Field keys a condition reads (the first segment of each path: ``home`` for ``home.city``)."""
    return {path.split(".")[0] for path in condition_fields(cond)} if cond else set()


def _quote(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def to_expression(cond: Any) -> str:
    """The rule-language text of a condition in any form (the builder edits expressions)."""
    expression = expression_of(cond)
    if expression is not None:
        return expression
    if not isinstance(cond, dict):
        return ""
    for op, word in (("all", " and "), ("any", " or ")):
        if op in cond and isinstance(cond[op], list):
            parts = [to_expression(c) for c in cond[op]]
            return word.join(f"({p})" if len(cond[op]) > 1 else p for p in parts)
    if "not" in cond:
        return f"not ({to_expression(cond['not'])})"
    field = cond.get("field", "")
    if "equals" in cond:
        return f"{field} == {_quote(cond['equals'])}"
    if "in" in cond and isinstance(cond["in"], list):
        return f"{field} in [{', '.join(_quote(v) for v in cond['in'])}]"
    if "not_empty" in cond:
        return f"not empty({field})" if cond["not_empty"] else f"empty({field})"
    return ""
