"""A small, safe expression language for procedure rules (docs/rules.md).

Used for show_if / required_if (``{"expr": "..."}``), cross-field checks and eligibility
pre-checks on steps (``"checks"``), and computed fields (``"expression"``). Text is
tokenized and parsed into a tree of tuples and evaluated by walking it: no ``eval``, no
attribute access, only the functions listed in ``functions.FUNCTIONS``. The same language
is implemented in ``static/js/fields.js``; ``cases.json`` is the shared table both are
tested against.

    parse("age(birth_date) >= 65")          → tree (raises RuleSyntaxError)
    evaluate(tree, data, today=date)        → None | bool | float | str | list | dict
    holds(text, data)                       → True only when the result is true
    passes(text, data)                      → False only when the result is false
    fields_of(text)                         → ["birth_date"]
    explain(text, specs)                    → 「生年月日」から計算した年齢が65以上
"""

from madoguchi.procedures.rules.evaluate import (
    evaluate,
    evaluate_text,
    holds,
    passes,
    to_number,
    truth,
)
from madoguchi.procedures.rules.explain import explain
from madoguchi.procedures.rules.functions import FUNCTIONS
from madoguchi.procedures.rules.parser import RuleSyntaxError, fields_of, parse

__all__ = [
    "FUNCTIONS",
    "RuleSyntaxError",
    "evaluate",
    "evaluate_text",
    "explain",
    "fields_of",
    "holds",
    "parse",
    "passes",
    "to_number",
    "truth",
]
