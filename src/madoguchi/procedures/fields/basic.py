"""Plain field types: text, textarea, select. Japanese types live in their own modules."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.checkdigits import CHECKS, check_digit_problem, digits_of
from madoguchi.procedures.fields.base import (
    CHOOSE_TEXTS,
    NOT_AN_OPTION_TEXTS,
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    get_rules,
    register,
    worded,
)
from madoguchi.procedures.fields.inputs import LENGTH, OPTIONS, BuilderInput, prefill_input
from madoguchi.procedures.fields.spec import check_non_negative_ints, check_options, check_pattern
from madoguchi.procedures.normalize import fold_width, loose_key, normalize_text


def check_length(value: str, spec: dict) -> None:
    rules = spec.get("validation", {})
    label = spec.get("label", "")
    if "min_length" in rules and len(value) < rules["min_length"]:
        raise FieldValidationError(
            _("%(label)sは%(n)s文字以上で入力してください。") % {"label": label, "n": rules["min_length"]}
        )
    if "max_length" in rules and len(value) > rules["max_length"]:
        raise FieldValidationError(
            _("%(label)sは%(n)s文字以内で入力してください（現在%(len)s文字）。")
            % {"label": label, "n": rules["max_length"], "len": len(value)}
        )
    if "pattern" in rules and not re.fullmatch(rules["pattern"], value):
        raise FieldValidationError(
            rules.get("pattern_message") or _("%(label)sの形式が正しくありません。") % {"label": label}
        )


def option_by_label(spec: dict) -> dict[str, str]:
    """Loosely compared option label → option value (for bulk files and imports)."""
    return {
        loose_key(o.get("label")): str(o.get("value"))
        for o in spec.get("options") or []
        if isinstance(o, dict)
    }


@register("text")
class TextField(FieldType):
    clean_is_pure = True
    label = _("1行テキスト")
    xlsform_reads = True
    template_name = "procedures/fields/text.html"
    builder_inputs = (
        *LENGTH,
        BuilderInput(
            "validation.check_digit",
            "select",
            _("確認用の数字（チェックディジット）で確かめる番号"),
            choices=(("", _("確かめない")), *((key, check.name) for key, check in CHECKS.items())),
        ),
        BuilderInput("placeholder", "text", _("入力欄に薄く表示する例")),
        BuilderInput(
            "autocomplete", "text", _("自動入力の種類（autocomplete）"), _("分かる方だけ。例: organization")
        ),
        BuilderInput(
            "inputmode",
            "select",
            _("スマートフォンのキーボード"),
            choices=(
                ("", _("標準")),
                ("numeric", _("数字")),
                ("email", _("メール")),
                ("tel", _("電話")),
                ("url", _("URL")),
            ),
        ),
        prefill_input(
            account=_(
                "申請者のアカウントの値（自動入力の種類が name なら氏名、email ならメールアドレス。変更できます）"
            )
        ),
    )
    default_max_length = 200
    options = ("placeholder", "autocomplete", "inputmode", "prefill")

    def from_profile(self, profile: dict[str, Any], spec: dict) -> Any:
        """The account's name or e-mail address, for a box that says it holds one (``autocomplete``
        ``name`` / ``email``): a one-box 「お名前」 of a booking form starts with 「山田 花子」."""
        what = spec.get("autocomplete")
        if what == "name":
            name = profile.get("name")
            if isinstance(name, dict):  # a verified name in parts
                return " ".join(str(name.get(part) or "") for part in ("family", "given")).strip() or None
            return name
        if what == "email":
            return profile.get("email")
        return None

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        if not isinstance(raw, str):
            raise FieldValidationError(
                _("%(label)sは文字で入力してください。") % {"label": spec.get("label", "")}
            )
        value = fold_width(normalize_text(raw))
        check_id = get_rules(spec).get("check_digit")
        if check_id in CHECKS:
            digits = digits_of(value)
            problem = check_digit_problem(digits, check_id, field_label(spec))
            if problem:
                raise FieldValidationError(problem)
            value = digits
        if "max_length" not in spec.get("validation", {}) and len(value) > self.default_max_length:
            spec = {
                **spec,
                "validation": {**spec.get("validation", {}), "max_length": self.default_max_length},
            }
        check_length(value, spec)
        return value

    def check_spec(self, spec: dict) -> list[str]:
        rules = get_rules(spec)
        problems = check_non_negative_ints(rules, "min_length", "max_length")
        if "check_digit" in rules and rules["check_digit"] not in CHECKS:
            problems.append(
                _("validation.check_digit は %(ids)s のいずれかにしてください。") % {"ids": ", ".join(CHECKS)}
            )
        return problems + check_pattern(rules)

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {
            "value": self.input_value(value, spec),
            "autocomplete": spec.get("autocomplete", ""),
            "inputmode": spec.get("inputmode", ""),
        }


@register("textarea")
class TextareaField(TextField):
    label = _("複数行テキスト")
    xlsform_appearance = "multiline"
    template_name = "procedures/fields/textarea.html"
    default_max_length = 4000


def choice_items(spec: dict, current: set[str]) -> dict[str, Any]:
    """The options to render; with cascading choices (``choice_filter``, XLSForm) each option
    carries its value in the filter column, and ``choice_filter_field`` names the input that
    fields.js narrows them by (the server checks the choice either way)."""
    rule = spec.get("choice_filter") if isinstance(spec.get("choice_filter"), dict) else None
    column = str(rule.get("column")) if rule else ""
    return {
        "choice_filter_field": str(rule.get("field", "")) if rule else "",
        "choices": [
            {
                "value": str(o.get("value")),
                "label": o.get("label", ""),
                "selected": str(o.get("value")) in current,
                "filter": str((o.get("filter") or {}).get(column, "")) if rule else "",
            }
            for o in spec.get("options", [])
            if isinstance(o, dict)
        ],
    }


@register("select")
class SelectField(FieldType):
    clean_is_pure = True
    label = _("プルダウン")
    xlsform_question, xlsform_appearance, xlsform_reads = "select_one", "minimal", True
    template_name = "procedures/fields/select.html"
    script_hooks = ("data-choice-filter", "data-choice")  # cascading choices (choice_filter)
    builder_inputs = (OPTIONS,)
    options = ("options",)
    defaults = {"options": [{"value": "a", "label": "選択肢A"}, {"value": "b", "label": "選択肢B"}]}

    def bulk_cell(self, spec: dict, text: str) -> Any:
        """A cell may hold the option's value or its label."""
        if not text:
            return text
        return option_by_label(spec).get(loose_key(text), text)

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        allowed = {str(o["value"]) for o in spec.get("options", [])}
        if str(raw) not in allowed:
            raise FieldValidationError(worded(spec, NOT_AN_OPTION_TEXTS))
        return str(raw)

    def display(self, value: Any, spec: dict) -> str:
        labels = {str(o["value"]): o["label"] for o in spec.get("options", [])}
        return labels.get(str(value), str(value or ""))

    required_texts = CHOOSE_TEXTS

    def check_spec(self, spec: dict) -> list[str]:
        return check_options(spec)

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        current = self.input_value(value, spec)
        return {"value": current, **choice_items(spec, {current})}
