"""Small checks of definition options shared by several field types (for check_definition)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            Decimal(value)
        except InvalidOperation:
            return False
        return value.strip() != "" and Decimal(value).is_finite()
    return False


def check_non_negative_ints(rules: dict, *names: str, where: str = "validation.") -> list[str]:
    problems = []
    for name in names:
        if name in rules and (not is_int(rules[name]) or rules[name] < 0):
            problems.append(_("%(name)s は0以上の整数にしてください。") % {"name": where + name})
    return problems


def check_min_max_numbers(rules: dict, low: str = "min", high: str = "max") -> list[str]:
    problems = []
    for name in (low, high):
        if name in rules and not is_number(rules[name]):
            problems.append(_("validation.%(name)s は数値にしてください。") % {"name": name})
    if (
        not problems
        and low in rules
        and high in rules
        and Decimal(str(rules[low])) > Decimal(str(rules[high]))
    ):
        problems.append(
            _("validation.%(low)s が %(high)s より大きくなっています。") % {"low": low, "high": high}
        )
    return problems


def check_pattern(rules: dict) -> list[str]:
    if "pattern" not in rules:
        return []
    try:
        re.compile(str(rules["pattern"]))
    except re.error as exc:
        return [_("validation.pattern が正規表現として正しくありません（%(error)s）。") % {"error": exc}]
    return []


def check_options(spec: dict) -> list[str]:
    options = spec.get("options")
    if not isinstance(options, list) or not options:
        return [_("選択肢（options）を1つ以上設定してください。")]
    problems = []
    seen: set[str] = set()
    for index, option in enumerate(options, start=1):
        if not isinstance(option, dict) or "value" not in option or not option.get("label"):
            problems.append(_("選択肢の%(n)s番目に value と label を設定してください。") % {"n": index})
            continue
        value = str(option["value"])
        if value == "":
            problems.append(_("選択肢の%(n)s番目の value が空です。") % {"n": index})
        if value in seen:
            problems.append(_("選択肢の value「%(value)s」が重複しています。") % {"value": value})
        seen.add(value)
    return problems
