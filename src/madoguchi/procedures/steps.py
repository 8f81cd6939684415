"""The step flow: which pages (steps) of a definition an applicant goes through, which fields a
page shows, where a page leads, and how errors link to inputs.

One module for the applicant pages (applications), the 書かない窓口 (counter), the builder's
preview and the procedure's own page, so they agree: the count on the procedure page
(「入力の目安」) matches 「ステップ 1 / N」 of the form (the applicable steps plus the 確認
page), a step skipped online is skipped at the counter and in the preview, and a field hidden
by an earlier answer is hidden everywhere. Pure functions over a definition and the values so
far; the applicant's own pages (代理人 page, drafts) add their part in applications/selectors.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.procedures import rules
from madoguchi.procedures.conditions import condition_holds, condition_keys, expression_of
from madoguchi.procedures.fields import registry
from madoguchi.procedures.translations import localize
from madoguchi.procedures.validation import iter_steps

# The 確認画面 after the last step is a page of the form too.
CONFIRM_PAGES = 1


@dataclass(frozen=True)
class StepInfo:
    """One page of the flow as the navigation shows it."""

    key: str
    title: str
    completed: bool
    is_proxy: bool = False


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


def flow_steps(definition: dict, data: dict[str, Any], completed: Iterable[str] = ()) -> list[StepInfo]:
    """The pages for these values, in order, with their titles in the page's language."""
    done = set(completed)
    return [
        StepInfo(step["key"], localize(step).get("title", ""), step["key"] in done)
        for step in applicable_steps(definition, data)
    ]


def step_neighbours(steps: list[StepInfo], key: str) -> tuple[StepInfo | None, StepInfo | None]:
    """The pages before and after ``key`` (None at either end, or when ``key`` is not a page)."""
    keys = [s.key for s in steps]
    if key not in keys:
        return None, None
    i = keys.index(key)
    return (steps[i - 1] if i > 0 else None), (steps[i + 1] if i + 1 < len(steps) else None)


def first_open_step(steps: list[StepInfo]) -> StepInfo | None:
    """The first page not yet completed, or None when every page is done."""
    return next((step for step in steps if not step.completed), None)


def step_values_merge(data: dict[str, Any], step: dict, cleaned: dict[str, Any]) -> dict[str, Any]:
    """The values after a page was saved without errors: the page's own keys are replaced by
    its cleaned values (a field left empty, or now hidden, loses its old value)."""
    own = {spec["key"] for spec in step.get("fields", [])}
    merged = {k: v for k, v in data.items() if k not in own}
    merged.update(cleaned)
    return merged


# ---------------------------------------------------------------------------- fields of a page


def option_label(spec: dict | None, value: Any) -> str:
    for option in (spec or {}).get("options", []):
        if str(option.get("value")) == str(value):
            return str(option.get("label", value))
    return str(value)


def condition_hint(cond: dict[str, Any], specs: dict[str, dict]) -> str:
    """Plain words for a condition, e.g. 「種別」で「その他」を選んだ方のみ."""
    expression = expression_of(cond)
    if expression is not None:
        return _("次に当てはまる方のみ：%(condition)s") % {"condition": rules.explain(expression, specs)}
    if "field" in cond:
        spec = specs.get(str(cond["field"]).split(".")[0])
        label = (spec or {}).get("label", cond["field"])
        if "equals" in cond:
            return _("「%(label)s」で「%(value)s」を選んだ方のみ") % {
                "label": label,
                "value": option_label(spec, cond["equals"]),
            }
        if "in" in cond:
            values = "」「".join(option_label(spec, v) for v in cond["in"])
            return _("「%(label)s」で「%(value)s」のいずれかを選んだ方のみ") % {
                "label": label,
                "value": values,
            }
        if cond.get("not_empty"):
            return _("「%(label)s」を入力した方のみ") % {"label": label}
    return _("条件に当てはまる方のみ")


def step_fields(step: dict, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields to show on a step page, each with its value and a condition hint.

    Conditions on answers of earlier pages are decided here (the field is left out);
    conditions on answers of this same page cannot be decided without JavaScript, so the
    field is shown with a hint and validated only when it applies.
    """
    own = {spec["key"]: spec for spec in step.get("fields", [])}
    shown = []
    for spec in step.get("fields", []):
        if spec.get("type") in registry:  # a repeating group decides its rows' rules on earlier answers
            spec = registry[spec["type"]].for_page(spec, data, own)
        cond = spec.get("show_if")
        hint = ""
        if cond:
            if condition_keys(cond) & set(own):
                hint = condition_hint(cond, own)
            elif not condition_holds(cond, data):
                continue
        elif spec.get("required_if") and condition_keys(spec["required_if"]) & set(own):
            hint = _("%(condition)s入力してください") % {
                "condition": condition_hint(spec["required_if"], own)
            }
        spec, narrowed_hint = _narrow_choices(spec, data, own)
        hint = hint or narrowed_hint
        if hint:  # shown as the field's help text, tied to the input with aria-describedby
            sentence = _("%(hint)s。") % {"hint": hint}
            spec = {**spec, "help": f"{sentence}{spec['help']}" if spec.get("help") else sentence}
        shown.append({"spec": spec, "key": spec["key"], "value": data.get(spec["key"]), "hint": hint})
    return shown


def _narrow_choices(spec: dict, data: dict[str, Any], own: dict[str, dict]) -> tuple[dict, str]:
    """Cascading choices (``choice_filter``): answered on an earlier page, the options are
    narrowed here; on this page, a hint says so and fields.js narrows them as the answer changes."""
    rule = spec.get("choice_filter")
    if not isinstance(rule, dict) or not isinstance(rule.get("field"), str):
        return spec, ""
    parent = rule["field"]
    if parent in own:
        label = own[parent].get("label", parent)
        return spec, _("「%(label)s」の答えに合うものを選んでください") % {"label": label}
    answer = data.get(parent)
    if answer in (None, "", []):
        return spec, ""
    answers = {str(a) for a in answer} if isinstance(answer, list) else {str(answer)}
    column = rule.get("column")
    options = [
        option
        for option in spec.get("options") or []
        if isinstance(option, dict) and str((option.get("filter") or {}).get(column)) in answers
    ]
    return {**spec, "options": options}, ""


def group_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer rows (validation.display_rows) grouped by step, in order: [{"step", "title", "rows"}]."""
    groups: list[dict[str, Any]] = []
    for row in rows:
        if not groups or groups[-1]["step"] != row["step"]:
            groups.append({"step": row["step"], "title": row["step_title"], "rows": []})
        groups[-1]["rows"].append(row)
    return groups


# ---------------------------------------------------------------------------- errors
# The error summary at the top of a page links to each input (WCAG: error identification).


def field_input_id(error_key: str) -> str:
    """The HTML id of the input an error is about: ``name`` → ``id_name``, ``a.part`` → ``id_a.part``."""
    return f"id_{error_key}"


def _ordered_errors(step: dict, errors: dict[str, list[str]]) -> list[str]:
    order = [spec["key"] for spec in step.get("fields", [])]

    def position(key: str) -> tuple[int, str]:
        base = key.split(".")[0]
        return (order.index(base) if base in order else len(order), key)

    return sorted(errors, key=position)


def error_links(step: dict, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """[{"key", "href": "#id_name", "message"}] in the order of the fields on the page.

    A message about the page as a whole (e.g. a check on a page without inputs) links to the
    form, whose id is ``step-form``.
    """
    own = {spec["key"] for spec in step.get("fields", [])}
    links = []
    for key in _ordered_errors(step, errors):
        href = f"#{field_input_id(key)}" if key.split(".")[0] in own else "#step-form"
        for message in errors[key]:
            links.append({"key": key, "href": href, "message": str(message)})
    return links
