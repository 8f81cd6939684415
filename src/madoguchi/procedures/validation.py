"""Server-side validation derived from a procedure definition.

The same functions serve the HTML pages (one step at a time) and the API (whole data).
Errors are raised as ``FieldErrors`` with per-field messages keyed by field key (and
``key.part`` for a part of a composite field such as フリガナ).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.conditions import condition_holds
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type
from madoguchi.procedures.translations import active_language, localize


def iter_steps(definition: dict) -> list[dict]:
    return list(definition.get("steps", []))


def iter_fields(definition: dict) -> Iterator[tuple[dict, dict]]:
    """Yield (step, field) for every field of every step, in order."""
    for step in iter_steps(definition):
        for spec in step.get("fields", []):
            yield step, spec


def get_step(definition: dict, step_key: str) -> dict:
    for step in iter_steps(definition):
        if step["key"] == step_key:
            return step
    raise KeyError(step_key)


def field_is_shown(spec: dict, data: dict) -> bool:
    cond = spec.get("show_if")
    return True if not cond else condition_holds(cond, data)


def field_is_required(spec: dict, data: dict) -> bool:
    if spec.get("required"):
        return True
    cond = spec.get("required_if")
    return bool(cond) and condition_holds(cond, data)


def clean_fields(
    fields: list[dict],
    raw: dict[str, Any],
    *,
    context: ValidationContext,
    known: dict[str, Any] | None = None,
    checks: list[dict] | None = None,
    trusted: Collection[str] = (),
) -> dict[str, Any]:
    """Clean ``raw`` values of ``fields``. ``known`` holds other steps' values for conditions.

    Hidden fields are dropped; computed fields are calculated; ``checks`` (a step's
    cross-field checks and eligibility rules, docs/rules.md) run on the cleaned values.
    Raises FieldErrors with every problem at once.

    ``trusted``: keys whose values in ``raw`` this code already cleaned today for the same
    version (a draft's stamp, ``procedures.checked``). A field whose type's cleaning reads
    nothing else (``FieldType.cleans_alone``) takes such a value as it is; everything else —
    required, conditions, computed values, repeating groups, choice filters, checks — runs as
    always.
    """
    known = dict(known or {})
    language = active_language()  # messages name fields in the page's language
    fields = [localize(spec, language) for spec in fields] if language else list(fields)
    # First clean every answer, so conditions and rules see cleaned values (3 for "３",
    # "2024-04-01" for "令和6年4月1日"); answers that do not clean are seen as typed.
    attempted: dict[str, Any] = {}
    failures: dict[str, FieldValidationError] = {}
    for spec in fields:
        field_type = get_field_type(spec["type"])
        if not field_type.has_value or field_type.computes or field_type.reads_answers:
            continue  # a repeating group is cleaned below, in form order, seeing the answers before it
        value = raw.get(spec["key"])
        if field_type.is_empty(value):
            continue
        if spec["key"] in trusted and field_type.cleans_alone(spec):
            attempted[spec["key"]] = value
            continue
        try:
            attempted[spec["key"]] = field_type.clean(value, spec, context)
        except FieldValidationError as exc:
            failures[spec["key"]] = exc
    view = {**known, **raw, **attempted}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for spec in fields:
        field_type = get_field_type(spec["type"])
        key = spec["key"]
        if not field_type.has_value:
            continue
        if not field_is_shown(spec, view):
            view.pop(key, None)  # a hidden answer counts as empty for later rules
            continue
        if field_type.computes:
            value = field_type.compute(spec, view)
            view[key] = value
            if value is not None:
                cleaned[key] = value
            continue
        value = raw.get(key)
        if field_type.reads_answers and not field_type.is_empty(value):
            try:
                attempted[key] = view[key] = field_type.clean(value, spec, replace(context, answers=view))
            except FieldValidationError as exc:
                failures[key] = exc
        if field_type.is_empty(value):
            if field_is_required(spec, view):
                errors.setdefault(key, []).append(str(field_type.required_message(spec)))
            continue
        if key in failures:
            exc = failures[key]
            if exc.message:
                errors.setdefault(key, []).append(str(exc.message))
            for part, message in exc.parts.items():
                errors.setdefault(f"{key}.{part}", []).append(str(message))
            continue
        cleaned[key] = attempted[key]
    for spec in fields:
        _check_choice_filter(spec, cleaned, view, errors)
    for check in checks or ():
        _run_check(check, fields, view, errors)
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _check_choice_filter(
    spec: dict, cleaned: dict[str, Any], view: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """Cascading choices (XLSForm choice_filter ``column=${field}``): the chosen option must be one
    whose ``filter[column]`` equals the answer to ``field``."""
    rule = spec.get("choice_filter")
    key = spec["key"]
    if not isinstance(rule, dict) or key not in cleaned or key in errors:
        return
    expected = view.get(str(rule.get("field")))
    if expected in (None, ""):
        return
    chosen = cleaned[key] if isinstance(cleaned[key], list) else [cleaned[key]]
    allowed = {
        str(option.get("value"))
        for option in spec.get("options") or []
        if isinstance(option, dict)
        and str((option.get("filter") or {}).get(rule.get("column"))) == str(expected)
    }
    if any(str(value) not in allowed for value in chosen):
        errors.setdefault(key, []).append(
            str(
                _("%(label)sは、前の答えに合うものを一覧から選んでください。")
                % {"label": spec.get("label", key)}
            )
        )


def _run_check(check: dict, fields: list[dict], view: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """A cross-field check or eligibility rule fails only when it is definitely false."""
    from madoguchi.procedures import rules

    expression = check.get("rule") if isinstance(check, dict) else None
    if not isinstance(expression, str):
        return
    try:
        refs = [path.split(".")[0] for path in rules.fields_of(expression)]
        if any(ref in errors or any(k.startswith(f"{ref}.") for k in errors) for ref in refs):
            return  # fix the answers first; the check runs again then
        if rules.passes(expression, view):
            return
    except rules.RuleSyntaxError:
        return  # check_definition refuses such definitions before publishing
    own = [spec["key"] for spec in fields if get_field_type(spec["type"]).has_value]
    target = check.get("field")
    if target not in own:
        mine = [ref for ref in refs if ref in own]  # the one that comes last on the page
        target = max(mine, key=own.index) if mine else (own[0] if own else "__all__")
    message = str(localize(check).get("message") or _("入力内容の組み合わせをご確認ください。"))
    errors.setdefault(target, []).append(message)


def step_checks(definition: dict, step_key: str | None = None) -> list[dict]:
    """The checks of one step, or of every step."""
    return [
        check
        for step in iter_steps(definition)
        if step_key is None or step.get("key") == step_key
        for check in (step.get("checks") or [])
        if isinstance(check, dict)
    ]


def parse_step_form(definition: dict, step_key: str, post, files) -> dict[str, Any]:
    """Read a step's raw values from an HTML form post (nothing validated yet)."""
    step = get_step(definition, step_key)
    raw: dict[str, Any] = {}
    for spec in step.get("fields", []):
        field_type = get_field_type(spec["type"])
        if field_type.has_value and not field_type.computes:
            raw[spec["key"]] = field_type.parse_form(spec, post, files)
    return raw


def validate_step(
    definition: dict, step_key: str, raw: dict[str, Any], *, context: ValidationContext, known: dict[str, Any]
) -> dict[str, Any]:
    step = get_step(definition, step_key)
    return clean_fields(
        step.get("fields", []), raw, context=context, known=known, checks=step_checks(definition, step_key)
    )


def validate_all(
    definition: dict, raw: dict[str, Any], *, context: ValidationContext, trusted: Collection[str] = ()
) -> dict[str, Any]:
    """Validate the whole application (API submit, final check before 受付); ``trusted`` as
    ``clean_fields``."""
    all_fields = [spec for _step, spec in iter_fields(definition)]
    known_keys = {spec["key"] for spec in all_fields}
    unknown = sorted(set(raw) - known_keys)
    cleaned = clean_fields(
        all_fields, raw, context=context, known=raw, checks=step_checks(definition), trusted=trusted
    )
    if unknown:
        raise FieldErrors({key: [str(_("この項目はこの手続にありません。"))] for key in unknown})
    return cleaned


def display_rows(definition: dict, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for the 確認画面 and receipts: step title, label, display text."""
    rows = []
    for step, spec in iter_fields(definition):
        step, spec = localize(step), localize(spec)
        field_type = get_field_type(spec["type"])
        if not field_type.has_value or not field_is_shown(spec, data):
            continue
        if field_type.computes and data.get(spec["key"]) is None:
            continue
        rows.append(
            {
                "step": step["key"],
                "step_title": step.get("title", ""),
                "key": spec["key"],
                "label": spec.get("label", spec["key"]),
                "value": field_type.display(data.get(spec["key"]), spec),
            }
        )
    return rows
