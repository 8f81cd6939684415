"""Changes to a draft definition, as pure functions: each takes a definition and returns a
new one (the input is never modified), or raises BuilderError with a plain message.

services.procedure_draft_change applies them inside a transaction, keeps the previous
definition for 元に戻す, and writes the audit entry. The builder's views and builder.js
(drag and drop) only name an operation and its arguments.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Collection
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.procedures.definition import KEY_RE
from madoguchi.procedures.fields import registry


class BuilderError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def empty_definition() -> dict[str, Any]:
    return {"steps": [{"key": "step1", "title": _("申請者について"), "fields": []}]}


def _steps(definition: dict) -> list[dict]:
    return definition.setdefault("steps", [])


def all_keys(definition: dict) -> set[str | None]:
    return {f.get("key") for s in _steps(definition) for f in s.get("fields", []) if isinstance(f, dict)}


def unique_key(base: str, taken: Collection[str | None]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", base) or "field"
    if not base[0].isalpha():
        base = f"f_{base}"
    base = base[:50]
    if base not in taken:
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def find_step(definition: dict, step_key: str) -> dict:
    for step in _steps(definition):
        if step.get("key") == step_key:
            return step
    raise BuilderError(
        _("手順「%(key)s」が見つかりません。画面を読み込み直してください。") % {"key": step_key}
    )


def find_field(definition: dict, key: str) -> tuple[dict, int, dict]:
    """(step, index in step, spec)."""
    for step in _steps(definition):
        for index, spec in enumerate(step.get("fields", [])):
            if isinstance(spec, dict) and spec.get("key") == key:
                return step, index, spec
    raise BuilderError(_("項目「%(key)s」が見つかりません。画面を読み込み直してください。") % {"key": key})


def _copy(definition: dict) -> dict:
    return copy.deepcopy(definition)


# ---------------------------------------------------------------------------- steps


def add_step(definition: dict, *, title: str = "") -> dict:
    result = _copy(definition)
    taken = {s.get("key") for s in _steps(result)}
    key = unique_key(f"step{len(taken) + 1}", taken)
    _steps(result).append({"key": key, "title": title or _("新しい手順"), "fields": []})
    return result


def update_step(
    definition: dict, *, step_key: str, title: str, description: str = "", new_key: str = ""
) -> dict:
    result = _copy(definition)
    step = find_step(result, step_key)
    if not title.strip():
        raise BuilderError(_("手順の見出しを入力してください。"))
    step["title"] = title.strip()[:200]
    if description.strip():
        step["description"] = description.strip()
    else:
        step.pop("description", None)
    if new_key and new_key != step_key:
        if not KEY_RE.fullmatch(new_key):
            raise BuilderError(_("key は英字で始まる英数字と _ にしてください。"))
        if any(s.get("key") == new_key for s in _steps(result)):
            raise BuilderError(_("手順の key「%(key)s」はすでに使われています。") % {"key": new_key})
        step["key"] = new_key
    return result


def move_step(definition: dict, *, step_key: str, offset: int) -> dict:
    result = _copy(definition)
    steps = _steps(result)
    index = steps.index(find_step(result, step_key))
    target = max(0, min(len(steps) - 1, index + offset))
    steps.insert(target, steps.pop(index))
    return result


def remove_step(definition: dict, *, step_key: str) -> dict:
    result = _copy(definition)
    steps = _steps(result)
    if len(steps) == 1:
        raise BuilderError(_("手順は1つ以上必要です。"))
    steps.remove(find_step(result, step_key))
    return result


# ---------------------------------------------------------------------------- fields


def new_field(type_id: str, taken: Collection[str | None], *, label: str = "") -> dict:
    field_type = registry.get(type_id)
    if field_type is None:
        raise BuilderError(_("種類「%(type)s」はありません。") % {"type": type_id})
    spec: dict[str, Any] = {"key": unique_key(type_id, taken), "type": type_id}
    if field_type.has_value:
        spec["label"] = label or str(field_type.label)
    spec.update(copy.deepcopy(field_type.defaults))
    return spec


def add_field(definition: dict, *, step_key: str, type_id: str, label: str = "") -> tuple[dict, str]:
    result = _copy(definition)
    step = find_step(result, step_key)
    spec = new_field(type_id, all_keys(result), label=label)
    step.setdefault("fields", []).append(spec)
    return result, spec["key"]


def replace_field(definition: dict, *, key: str, spec: dict) -> dict:
    """Put ``spec`` in place of field ``key`` (the builder's form made it; check_definition judges it)."""
    result = _copy(definition)
    step, index, _old = find_field(result, key)
    new_key = spec.get("key")
    if not isinstance(new_key, str) or not KEY_RE.fullmatch(new_key):
        raise BuilderError(_("key は英字で始まる英数字と _ にしてください（例: applicant_name）。"))
    if new_key != key and new_key in all_keys(result):
        raise BuilderError(_("key「%(key)s」はすでに使われています。") % {"key": new_key})
    step["fields"][index] = spec
    return result


def move_field(definition: dict, *, key: str, offset: int) -> dict:
    """Up/down by one; past the top or bottom of a step the field moves to the neighbouring step."""
    result = _copy(definition)
    steps = _steps(result)
    step, index, spec = find_field(result, key)
    fields = step["fields"]
    target = index + offset
    if 0 <= target < len(fields):
        fields.insert(target, fields.pop(index))
        return result
    step_index = steps.index(step)
    neighbour = step_index + (1 if offset > 0 else -1)
    if 0 <= neighbour < len(steps):
        fields.pop(index)
        if offset > 0:
            steps[neighbour].setdefault("fields", []).insert(0, spec)
        else:
            steps[neighbour].setdefault("fields", []).append(spec)
    return result


def move_field_to(definition: dict, *, key: str, step_key: str, position: int) -> dict:
    """Drag and drop: put the field at ``position`` of step ``step_key``."""
    result = _copy(definition)
    step, index, spec = find_field(result, key)
    step["fields"].pop(index)
    target = find_step(result, step_key).setdefault("fields", [])
    target.insert(max(0, min(len(target), position)), spec)
    return result


def remove_field(definition: dict, *, key: str) -> dict:
    result = _copy(definition)
    step, index, _spec = find_field(result, key)
    step["fields"].pop(index)
    return result


def duplicate_field(definition: dict, *, key: str) -> tuple[dict, str]:
    result = _copy(definition)
    step, index, spec = find_field(result, key)
    twin = copy.deepcopy(spec)
    twin["key"] = unique_key(f"{key}_copy", all_keys(result))
    if twin.get("label"):
        twin["label"] = _("%(label)s（コピー）") % {"label": twin["label"]}
    step["fields"].insert(index + 1, twin)
    return result, twin["key"]


# ---------------------------------------------------------------------------- checks


def add_check(
    definition: dict, *, step_key: str, rule: str, message: str, kind: str = "check", field: str = ""
) -> dict:
    from madoguchi.procedures import rules

    result = _copy(definition)
    step = find_step(result, step_key)
    if not rule.strip():
        raise BuilderError(_("条件の式を入力してください。"))
    try:
        rules.parse(rule)
    except rules.RuleSyntaxError as exc:
        raise BuilderError(_("式に誤りがあります: %(m)s") % {"m": exc.message}) from None
    if not message.strip():
        raise BuilderError(_("条件に当てはまらないときに表示する文を入力してください。"))
    check: dict[str, Any] = {"rule": rule.strip(), "message": message.strip()}
    if kind == "eligibility":
        check["kind"] = "eligibility"
    if field:
        check["field"] = field
    step.setdefault("checks", []).append(check)
    return result


def remove_check(definition: dict, *, step_key: str, index: int) -> dict:
    result = _copy(definition)
    step = find_step(result, step_key)
    checks = step.get("checks") or []
    if not 0 <= index < len(checks):
        raise BuilderError(_("そのチェックは見つかりません。画面を読み込み直してください。"))
    checks.pop(index)
    if not checks:
        step.pop("checks", None)
    return result


OPERATIONS: dict[str, Callable[..., Any]] = {
    "add_step": add_step,
    "update_step": update_step,
    "move_step": move_step,
    "remove_step": remove_step,
    "add_field": add_field,
    "replace_field": replace_field,
    "move_field": move_field,
    "move_field_to": move_field_to,
    "remove_field": remove_field,
    "duplicate_field": duplicate_field,
    "add_check": add_check,
    "remove_check": remove_check,
}
