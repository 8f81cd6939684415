"""What changed between two definitions, in Japanese (「項目『電話番号』を追加」「『氏名』を必須に変更」).

``definition_diff(old, new)`` returns a list of ``Change(kind, text)`` in the order of the
new definition: steps first, then fields step by step, then checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.procedures.fields import registry

_COMMON = {"key", "type", "label", "help", "required", "required_if", "show_if", "options", "validation"}


@dataclass(frozen=True)
class Change:
    kind: str  # added, removed, changed, moved
    text: str


def _label(spec: dict) -> str:
    return str(spec.get("label") or spec.get("title") or spec.get("key"))


def _type_label(type_id: Any) -> str:
    field_type = registry.get(type_id) if isinstance(type_id, str) else None
    return str(field_type.label) if field_type else str(type_id)


def _condition_text(cond: Any, specs: dict[str, dict]) -> str:
    from madoguchi.procedures.conditions import expression_of, to_expression
    from madoguchi.procedures.rules import explain

    expression = expression_of(cond)
    if expression is None:
        expression = to_expression(cond)
    return explain(expression, specs)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if value is None or value == "":
        return _("なし")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _fields(definition: dict) -> dict[str, tuple[int, str, dict]]:
    """key → (position overall, step key, spec)."""
    out = {}
    position = 0
    for step in definition.get("steps") or []:
        for spec in step.get("fields") or []:
            if isinstance(spec, dict) and isinstance(spec.get("key"), str):
                out[spec["key"]] = (position, step.get("key"), spec)
                position += 1
    return out


def _field_changes(old: dict, new: dict, specs: dict[str, dict]) -> list[Change]:
    name = _label(new)
    changes: list[Change] = []
    if old.get("type") != new.get("type"):
        changes.append(
            Change(
                "changed",
                _("『%(name)s』の種類を「%(old)s」から「%(new)s」に変更")
                % {"name": name, "old": _type_label(old.get("type")), "new": _type_label(new.get("type"))},
            )
        )
    if _label(old) != _label(new):
        changes.append(
            Change("changed", _("『%(old)s』の見出しを『%(new)s』に変更") % {"old": _label(old), "new": name})
        )
    if bool(old.get("required")) != bool(new.get("required")):
        text = _("『%(name)s』を必須に変更") if new.get("required") else _("『%(name)s』を任意に変更")
        changes.append(Change("changed", text % {"name": name}))
    if (old.get("help") or "") != (new.get("help") or ""):
        changes.append(Change("changed", _("『%(name)s』の説明文を変更") % {"name": name}))
    for which, word in (("show_if", _("表示する条件")), ("required_if", _("必須になる条件"))):
        before, after = old.get(which), new.get(which)
        if before == after:
            continue
        if not after:
            changes.append(
                Change("changed", _("『%(name)s』の%(word)sを削除") % {"name": name, "word": word})
            )
        else:
            verb = _("を設定") if not before else _("を変更")
            changes.append(
                Change(
                    "changed",
                    _("『%(name)s』の%(word)s%(verb)s: %(rule)s")
                    % {"name": name, "word": word, "verb": verb, "rule": _condition_text(after, specs)},
                )
            )
    old_options = {
        str(o.get("value")): o.get("label") for o in old.get("options") or [] if isinstance(o, dict)
    }
    new_options = {
        str(o.get("value")): o.get("label") for o in new.get("options") or [] if isinstance(o, dict)
    }
    for value, label in new_options.items():
        if value not in old_options:
            changes.append(
                Change(
                    "added", _("『%(name)s』に選択肢「%(option)s」を追加") % {"name": name, "option": label}
                )
            )
        elif old_options[value] != label:
            changes.append(
                Change(
                    "changed",
                    _("『%(name)s』の選択肢「%(old)s」を「%(new)s」に変更")
                    % {"name": name, "old": old_options[value], "new": label},
                )
            )
    for value, label in old_options.items():
        if value not in new_options:
            changes.append(
                Change(
                    "removed",
                    _("『%(name)s』から選択肢「%(option)s」を削除") % {"name": name, "option": label},
                )
            )
    old_rules, new_rules = old.get("validation") or {}, new.get("validation") or {}
    if old_rules != new_rules:
        parts = [
            f"{rule}: {_show(old_rules.get(rule))} → {_show(new_rules.get(rule))}"
            for rule in sorted(set(old_rules) | set(new_rules))
            if old_rules.get(rule) != new_rules.get(rule)
        ]
        changes.append(
            Change(
                "changed",
                _("『%(name)s』の入力チェックを変更（%(parts)s）")
                % {"name": name, "parts": "、".join(parts)},
            )
        )
    other = sorted((set(old) | set(new)) - _COMMON)
    changed_options = [option for option in other if old.get(option) != new.get(option)]
    if changed_options:
        changes.append(
            Change(
                "changed",
                _("『%(name)s』の設定を変更（%(options)s）")
                % {"name": name, "options": "、".join(changed_options)},
            )
        )
    return changes


def definition_diff(old: dict, new: dict) -> list[Change]:
    old = old or {"steps": []}
    new = new or {"steps": []}
    changes: list[Change] = []
    old_steps = {s.get("key"): s for s in old.get("steps") or [] if isinstance(s, dict)}
    new_steps = {s.get("key"): s for s in new.get("steps") or [] if isinstance(s, dict)}
    for key, step in new_steps.items():
        if key not in old_steps:
            changes.append(Change("added", _("手順『%(title)s』を追加") % {"title": _label(step)}))
        elif _label(old_steps[key]) != _label(step):
            changes.append(
                Change(
                    "changed",
                    _("手順『%(old)s』の見出しを『%(new)s』に変更")
                    % {"old": _label(old_steps[key]), "new": _label(step)},
                )
            )
    for key, step in old_steps.items():
        if key not in new_steps:
            changes.append(Change("removed", _("手順『%(title)s』を削除") % {"title": _label(step)}))
    common_steps = [k for k in new_steps if k in old_steps]
    if common_steps != [k for k in old_steps if k in new_steps]:
        changes.append(Change("moved", _("手順の順番を変更")))

    old_fields, new_fields = _fields(old), _fields(new)
    specs = {key: spec for key, (_p, _s, spec) in new_fields.items()}
    for key, (_position, step_key, spec) in new_fields.items():
        step_title = _label(new_steps.get(step_key, {"key": step_key}))
        if key not in old_fields:
            changes.append(
                Change(
                    "added",
                    _("項目『%(name)s』を追加（手順『%(step)s』、%(type)s）")
                    % {"name": _label(spec), "step": step_title, "type": _type_label(spec.get("type"))},
                )
            )
            continue
        _old_position, old_step, old_spec = old_fields[key]
        if old_step != step_key:
            changes.append(
                Change(
                    "moved",
                    _("項目『%(name)s』を手順『%(step)s』に移動")
                    % {"name": _label(spec), "step": step_title},
                )
            )
        changes += _field_changes(old_spec, spec, specs)
    for key, (_position, _step, spec) in old_fields.items():
        if key not in new_fields:
            changes.append(Change("removed", _("項目『%(name)s』を削除") % {"name": _label(spec)}))
    common = [k for k in new_fields if k in old_fields]
    old_order = [k for k in old_fields if k in new_fields]
    if common != old_order and not any(c.kind == "moved" and "項目" in c.text for c in changes):
        changes.append(Change("moved", _("項目の並び順を変更")))

    for key, step in new_steps.items():
        before = (old_steps.get(key) or {}).get("checks") or []
        after = step.get("checks") or []
        old_rules = {json.dumps(c, sort_keys=True, ensure_ascii=False): c for c in before}
        new_rules = {json.dumps(c, sort_keys=True, ensure_ascii=False): c for c in after}
        for text, check in new_rules.items():
            if text not in old_rules:
                word = _("対象者の確認") if check.get("kind") == "eligibility" else _("入力内容のチェック")
                changes.append(
                    Change(
                        "added",
                        _("%(word)sを追加: %(message)s")
                        % {"word": word, "message": check.get("message", "")},
                    )
                )
        for text, check in old_rules.items():
            if text not in new_rules:
                changes.append(
                    Change(
                        "removed", _("チェックを削除: %(message)s") % {"message": check.get("message", "")}
                    )
                )
    return changes
