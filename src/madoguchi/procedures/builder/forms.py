"""Forms of the builder: procedure settings (a Django form) and the field editor.

The field editor is data-driven: each field type lists the inputs a builder sees for its
options (``FieldType.builder_inputs``: label, kind, where the value goes in the spec). ``read_field_form`` turns a
post into a new spec and per-input messages; the domain checks stay in the field types
(``check_spec``) and the rule language, which the view runs on the result.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from madoguchi.procedures import rules
from madoguchi.procedures.conditions import to_expression
from madoguchi.procedures.constants import Category, FeeKind, IdentityLevel, LifeEvent, RetentionPeriod
from madoguchi.procedures.fields import registry
from madoguchi.procedures.fields.inputs import BuilderInput


class SettingsForm(forms.Form):
    """Shapes the settings post; services.settings._check_settings judges the values."""

    title = forms.CharField(label=_l("手続名"), required=False)
    summary = forms.CharField(label=_l("概要（一覧に表示する1〜2文）"), required=False)
    description = forms.CharField(label=_l("説明"), required=False, widget=forms.Textarea)
    category = forms.ChoiceField(label=_l("分類"), choices=Category.choices, required=False)
    life_events = forms.MultipleChoiceField(
        label=_l("ライフイベント"),
        choices=LifeEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    department = forms.CharField(label=_l("担当部署"), required=False)
    keywords = forms.CharField(label=_l("検索キーワード（スペース区切り）"), required=False)
    standard_processing_days = forms.CharField(label=_l("標準処理期間（開庁日）"), required=False)
    fee_kind = forms.ChoiceField(label=_l("手数料"), choices=FeeKind.choices, required=False)
    fee_amount = forms.CharField(label=_l("手数料の額（円）"), required=False)
    identity_level = forms.ChoiceField(label=_l("本人確認"), choices=IdentityLevel.choices, required=False)
    allows_proxy = forms.BooleanField(label=_l("代理人による申請を受け付ける"), required=False)
    contact = forms.CharField(label=_l("問い合わせ先"), required=False)
    is_public = forms.BooleanField(label=_l("公開した版を申請者に表示する（一般公開）"), required=False)
    retention_period = forms.ChoiceField(
        label=_l("保存年限"), choices=RetentionPeriod.choices, required=False
    )


# ---------------------------------------------------------------------------- field editor


def builder_inputs(type_id: str) -> tuple[BuilderInput, ...]:
    """The inputs the field editor shows for a type's options (declared by the type)."""
    field_type = registry.get(type_id)
    return field_type.builder_inputs if field_type is not None else ()


def _get(spec: dict, path: str) -> Any:
    value: Any = spec
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _set(spec: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    node = spec
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def _lines_text(items: Any) -> str:
    lines = []
    for item in items or []:
        if isinstance(item, dict):
            value, label = str(item.get("value", "")), str(item.get("label", ""))
            lines.append(label if value == label else f"{value}: {label}")
    return "\n".join(lines)


def _parse_lines(text: str, old: Any = None) -> list[dict]:
    """「値: 表示名」 lines; what else an option carried (its English label …) is kept by value."""
    kept = {str(o.get("value")): o for o in old or [] if isinstance(o, dict)}
    items = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        value, sep, label = line.partition(":")
        if not sep:
            value, sep, label = line.partition("：")
        if sep and value.strip() and label.strip():
            items.append({**kept.get(value.strip(), {}), "value": value.strip(), "label": label.strip()})
        else:
            items.append({**kept.get(line, {}), "value": line, "label": line})
    return items


def _subfields_text(fields: Any) -> str:
    lines = []
    for sub in fields or []:
        if isinstance(sub, dict):
            required = " | 必須" if sub.get("required") else ""
            lines.append(f"{sub.get('key', '')} | {sub.get('type', '')} | {sub.get('label', '')}{required}")
    return "\n".join(lines)


def _parse_subfields(text: str, old: list[dict]) -> tuple[list[dict], list[str]]:
    by_key = {f.get("key"): f for f in old or [] if isinstance(f, dict)}
    fields, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in re.split(r"[|｜]", line)]
        if len(cells) < 3:
            problems.append(_("%(n)s行目は「key | 種類 | 見出し」の形で書いてください。") % {"n": number})
            continue
        key, type_id, label = cells[:3]
        if type_id not in registry:
            problems.append(_("%(n)s行目の種類「%(type)s」はありません。") % {"n": number, "type": type_id})
            continue
        spec = dict(by_key.get(key) or {})
        if spec.get("type") != type_id:
            spec = dict(registry[type_id].defaults)
        spec.update({"key": key, "type": type_id, "label": label})
        spec.pop("required", None)
        if len(cells) > 3 and cells[3] in {"必須", "required", "はい"}:
            spec["required"] = True
        fields.append(spec)
    return fields, problems


def field_form_values(spec: dict) -> dict[str, Any]:
    """What each input shows for ``spec``."""
    values: dict[str, Any] = {
        "key": spec.get("key", ""),
        "label": spec.get("label", ""),
        "help": spec.get("help", ""),
        "label_en": spec.get("label_en", ""),
        "help_en": spec.get("help_en", ""),
        "required": bool(spec.get("required")),
        "show_if": to_expression(spec["show_if"]) if spec.get("show_if") else "",
        "required_if": to_expression(spec["required_if"]) if spec.get("required_if") else "",
    }
    for option in builder_inputs(spec.get("type", "")):
        current = _get(spec, option.path)
        if option.kind == "lines":
            values[option.name] = _lines_text(current)
        elif option.kind == "subfields":
            values[option.name] = _subfields_text(current)
        elif option.kind == "bool":
            values[option.name] = bool(current)
        elif option.kind == "bool_default_true":
            values[option.name] = current is not False
        elif option.kind == "choices":
            values[option.name] = list(current or [])
        elif option.kind == "prefill":
            values[option.name] = "true" if current is True else (current if isinstance(current, str) else "")
        else:
            values[option.name] = "" if current is None else str(current)
    return values


def read_field_form(spec: dict, post) -> tuple[dict, dict[str, list[str]], dict[str, Any]]:
    """(new spec, messages by input name, values as typed)."""
    type_id = spec["type"]
    field_type = registry[type_id]
    new = {k: v for k, v in spec.items()}
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    key = post.get("key", "").strip()
    values["key"] = key
    new["key"] = key
    if field_type.has_value:
        label = post.get("label", "").strip()
        values["label"] = label
        if not label:
            errors["label"] = [
                _("見出しを入力してください。申請者に表示され、エラーメッセージにも使われます。")
            ]
        new["label"] = label
    help_text = post.get("help", "").strip()
    values["help"] = help_text
    _set(new, "help", help_text or None)
    for name in ("label_en", "help_en"):  # shown when the page is in English (procedures/translations.py)
        if name == "label_en" and not field_type.has_value:
            continue
        text = post.get(name, "").strip()
        values[name] = text
        _set(new, name, text or None)
    if field_type.has_value and not field_type.computes:
        values["required"] = post.get("required") == "on"
        _set(new, "required", True if values["required"] else None)
    for which in ("show_if", "required_if"):
        if which == "required_if" and (not field_type.has_value or field_type.computes):
            continue
        text = post.get(which, "").strip()
        values[which] = text
        if not text:
            new.pop(which, None)
            continue
        try:
            rules.parse(text)
        except rules.RuleSyntaxError as exc:
            errors[which] = [exc.message]
        new[which] = {"expr": text}
    for option in builder_inputs(type_id):
        name = option.name
        if option.kind in {"bool", "bool_default_true"}:
            checked = post.get(name) == "on"
            values[name] = checked
            if option.kind == "bool":
                _set(new, option.path, True if checked else None)
            else:
                _set(new, option.path, None if checked else False)
            continue
        if option.kind == "choices":
            chosen = [v for v in post.getlist(name) if v in dict(option.choices)]
            values[name] = chosen
            _set(new, option.path, chosen or None)
            continue
        text = post.get(name, "").strip()
        values[name] = text
        if option.kind == "prefill":
            if text and text not in dict(option.choices):
                errors[name] = [_("選択肢から選んでください。")]
                continue
            _set(new, option.path, True if text == "true" else (text or None))
            continue
        if option.kind == "lines":
            _set(new, option.path, _parse_lines(text, _get(spec, option.path)) or None)
        elif option.kind == "subfields":
            fields, problems = _parse_subfields(text, spec.get("fields") or [])
            if problems:
                errors[name] = problems
            _set(new, option.path, fields)
        elif option.kind in {"int", "number"}:
            if not text:
                _set(new, option.path, None)
                continue
            normalized = text.replace(",", "").replace("，", "")
            try:
                number: Any = (
                    int(normalized)
                    if option.kind == "int"
                    else (int(normalized) if re.fullmatch(r"-?\d+", normalized) else float(normalized))
                )
            except ValueError:
                errors[name] = [
                    _("数字で入力してください。")
                    if option.kind == "number"
                    else _("整数で入力してください。")
                ]
                continue
            _set(new, option.path, number)
        elif option.kind == "expr":
            try:
                rules.parse(text)
            except rules.RuleSyntaxError as exc:
                errors[name] = [exc.message]
            _set(new, option.path, text or None)
        else:
            _set(new, option.path, text or None)
    if isinstance(new.get("validation"), dict) and not new["validation"]:
        new.pop("validation")
    return new, errors, values


def option_rows(spec: dict, values: dict[str, Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The type-specific inputs with their values and messages, for the template."""
    rows = []
    for option in builder_inputs(spec.get("type", "")):
        choices = option.choices
        rows.append(
            {
                "name": option.name,
                "id": "id_" + option.name,
                "kind": option.kind,
                "label": option.label,
                "hint": option.hint,
                "value": values.get(option.name, ""),
                "errors": errors.get(option.name, []),
                "choices": [{"value": v, "label": label} for v, label in choices],
            }
        )
    return rows
