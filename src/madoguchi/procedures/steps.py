"""Which steps (pages) of a definition an applicant goes through, and how many pages that makes.

One place for the applicant pages, the counter, the builder's preview and the procedure's
own page, so the count on the procedure page (「入力の目安」) agrees with 「ステップ 1 / N」
of the form: the applicable steps plus the 確認 page.
"""

from __future__ import annotations

from typing import Any

from madoguchi.procedures.conditions import condition_holds, condition_keys
from madoguchi.procedures.validation import iter_steps

# The 確認画面 after the last step is a page of the form too.
CONFIRM_PAGES = 1


def step_is_applicable(step: dict, data: dict[str, Any]) -> bool:
    """A step is skipped when its own show_if is false or all its fields are hidden."""
    if step.get("show_if") and not condition_holds(step["show_if"], data):
        return False
    own = {spec["key"] for spec in step.get("fields", [])}
    specs = step.get("fields", [])
    if not specs:
        return True
    for spec in specs:
        cond = spec.get("show_if")
        if not cond or condition_keys(cond) & own or condition_holds(cond, data):
            return True
    return False


def applicable_steps(definition: dict, data: dict[str, Any]) -> list[dict]:
    return [step for step in iter_steps(definition) if step_is_applicable(step, data)]


def page_total(step_count: int) -> int:
    """The pages of the form for ``step_count`` steps: the steps and the 確認 page."""
    return step_count + CONFIRM_PAGES
