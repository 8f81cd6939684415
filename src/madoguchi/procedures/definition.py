"""Checks of a procedure definition before it is published.

``check_definition(definition)`` returns a list of problems in plain Japanese, each
naming the step and field, so a form builder can fix them; an empty list means the
definition can be published. The format is described in docs/procedures.md.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.procedures.conditions import condition_fields, condition_problems
from madoguchi.procedures.fields import registry

KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
CHECK_KINDS = ("check", "eligibility")
# key → spec of the definition being checked (parts of composite fields depend on options)
specs_seen: dict[str, dict] = {}
_COMMON_KEYS = ("key", "type", "label", "help", "required", "required_if", "show_if", "validation")


def _where(step_key: str, field_key: str | None = None) -> str:
    if field_key is None:
        return _("手順「%(step)s」") % {"step": step_key}
    return _("手順「%(step)s」の項目「%(field)s」") % {"step": step_key, "field": field_key}


def check_definition(definition: Any) -> list[str]:
    """Every problem found in ``definition`` (empty list = OK to publish)."""
    if not isinstance(definition, dict):
        return [_("定義がJSONオブジェクトになっていません。")]
    steps = definition.get("steps")
    if not isinstance(steps, list) or not steps:
        return [_("手順（steps）を1つ以上設定してください。")]

    problems: list[str] = []
    step_keys: set[str] = set()
    # field key → (index of its step, field type); filled in order so conditions can see
    # which fields come before them.
    seen: dict[str, tuple[int, str]] = {}
    pending_conditions: list[tuple[int, str, str | None, str, Any]] = []
    specs_seen.clear()

    for index, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            problems.append(_("%(n)s番目の手順がJSONオブジェクトになっていません。") % {"n": index})
            continue
        step_key = step.get("key")
        if not isinstance(step_key, str) or not KEY_RE.fullmatch(step_key):
            problems.append(
                _("%(n)s番目の手順の key は英字で始まる英数字と _ にしてください。") % {"n": index}
            )
            step_key = f"#{index}"
        elif step_key in step_keys:
            problems.append(_("手順の key「%(key)s」が重複しています。") % {"key": step_key})
        step_keys.add(step_key)
        fields = step.get("fields")
        if not isinstance(fields, list) or not fields:
            problems.append(_("%(where)sに項目（fields）がありません。") % {"where": _where(step_key)})
            continue
        for position, spec in enumerate(fields, start=1):
            problems += _check_field(spec, step_key, index, position, seen, pending_conditions)

    for step_index, step in enumerate(steps, start=1):
        if isinstance(step, dict) and "checks" in step:
            problems += _check_step_checks(step, step_index, pending_conditions)

    for step_index, step_key, field_key, which, cond in pending_conditions:
        where = _where(step_key, field_key) if field_key else _where(step_key)
        for path in condition_fields(cond):
            target = path.split(".")[0]
            if target == field_key:
                problems.append(
                    _("%(where)s: %(which)s が自分自身を参照しています。") % {"where": where, "which": which}
                )
            elif target not in seen:
                problems.append(
                    _("%(where)s: %(which)s が存在しない項目「%(target)s」を参照しています。")
                    % {"where": where, "which": which, "target": target}
                )
            elif seen[target][0] > step_index:
                problems.append(
                    _(
                        "%(where)s: %(which)s が後の手順の項目「%(target)s」を参照しています。同じ手順か前の手順の項目にしてください。"
                    )
                    % {"where": where, "which": which, "target": target}
                )
            elif "." in path:
                part = path.split(".")[1]
                target_spec = specs_seen.get(target, {})
                part_names = set(registry[seen[target][1]].rule_parts(target_spec))
                if part not in part_names:
                    problems.append(
                        _(
                            "%(where)s: %(which)s の「%(path)s」は項目「%(target)s」にない部分を参照しています。"
                        )
                        % {"where": where, "which": which, "path": path, "target": target}
                    )
    return problems


def _check_field(
    spec: Any,
    step_key: str,
    step_index: int,
    position: int,
    seen: dict[str, tuple[int, str]],
    pending_conditions: list,
) -> list[str]:
    if not isinstance(spec, dict):
        return [
            _("%(where)sの%(n)s番目の項目がJSONオブジェクトになっていません。")
            % {"where": _where(step_key), "n": position}
        ]
    problems: list[str] = []
    key = spec.get("key")
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        problems.append(
            _("%(where)sの%(n)s番目の項目の key は英字で始まる英数字と _ にしてください。")
            % {"where": _where(step_key), "n": position}
        )
        key = f"#{position}"
    elif key in seen:
        problems.append(
            _("項目の key「%(key)s」が重複しています（手順をまたいでも重複できません）。") % {"key": key}
        )
    where = _where(step_key, key)
    type_id = spec.get("type")
    field_type = registry.get(type_id) if isinstance(type_id, str) else None
    if field_type is None:
        problems.append(
            _("%(where)s: 種類「%(type)s」はありません。使える種類: %(types)s")
            % {"where": where, "type": type_id, "types": ", ".join(sorted(registry))}
        )
        return problems
    if not key.startswith("#") and key not in seen:
        seen[key] = (step_index, type_id)
        specs_seen[key] = spec
    if field_type.computes and isinstance(spec.get("expression"), str) and not field_type.check_spec(spec):
        pending_conditions.append((step_index, step_key, key, "expression", {"expr": spec["expression"]}))
    for which, path in field_type.outside_names(spec):  # a repeating group's rows name the form
        pending_conditions.append((step_index, step_key, key, which, {"expr": path}))
    if field_type.has_value and not str(spec.get("label") or "").strip():
        problems.append(_("%(where)s: 見出し（label）を設定してください。") % {"where": where})
    if "validation" in spec and not isinstance(spec["validation"], dict):
        problems.append(_("%(where)s: validation はJSONオブジェクトにしてください。") % {"where": where})
    else:
        problems += [f"{where}: {problem}" for problem in field_type.check_spec(spec)]
    for which in ("show_if", "required_if"):
        cond = spec.get(which)
        if cond is None:
            continue
        structural = condition_problems(cond)
        if structural:
            problems.append(
                _("%(where)s: %(which)s の条件の書き方が正しくありません（%(detail)s）。")
                % {"where": where, "which": which, "detail": "; ".join(structural)}
            )
        else:
            pending_conditions.append((step_index, step_key, key, which, cond))
    if not field_type.has_value and (spec.get("required") or spec.get("required_if")):
        problems.append(_("%(where)s: 入力のない項目に required は指定できません。") % {"where": where})
    return problems


def _check_step_checks(step: dict, step_index: int, pending: list) -> list[str]:
    """A step's ``checks``: cross-field checks and eligibility rules (docs/rules.md)."""
    from madoguchi.procedures import rules

    step_key = step.get("key") if isinstance(step.get("key"), str) else f"#{step_index}"
    checks = step.get("checks")
    where = _where(step_key)
    if not isinstance(checks, list):
        return [_("%(where)s: checks はリストにしてください。") % {"where": where}]
    problems: list[str] = []
    own = {f.get("key") for f in step.get("fields") or [] if isinstance(f, dict)}
    for n, check in enumerate(checks, start=1):
        label = _("%(where)sの%(n)s番目のチェック") % {"where": where, "n": n}
        if not isinstance(check, dict):
            problems.append(_("%(label)sがJSONオブジェクトになっていません。") % {"label": label})
            continue
        rule = check.get("rule")
        if not isinstance(rule, str) or not rule.strip():
            problems.append(_("%(label)s: 条件（rule）を設定してください。") % {"label": label})
        else:
            try:
                rules.parse(rule)
            except rules.RuleSyntaxError as exc:
                problems.append(
                    _("%(label)s: 式に誤りがあります（%(m)s）。") % {"label": label, "m": exc.message}
                )
            else:
                pending.append((step_index, step_key, None, f"checks[{n}]", {"expr": rule}))
        if not str(check.get("message") or "").strip():
            problems.append(
                _("%(label)s: 当てはまらないときに表示する文（message）を設定してください。")
                % {"label": label}
            )
        if check.get("kind", "check") not in CHECK_KINDS:
            problems.append(_("%(label)s: kind は check か eligibility にしてください。") % {"label": label})
        if "field" in check and check["field"] not in own:
            problems.append(_("%(label)s: field はこの手順の項目の key にしてください。") % {"label": label})
    return problems
