"""Choices: radio buttons, checkboxes (several answers) and a consent checkbox."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.fields.base import (
    NOT_AN_OPTION_TEXTS,
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    get_rules,
    post_getlist,
    register,
    worded,
)
from madoguchi.procedures.fields.basic import SelectField, choice_items, option_by_label
from madoguchi.procedures.fields.inputs import OPTIONS, BuilderInput
from madoguchi.procedures.fields.spec import check_non_negative_ints, check_options
from madoguchi.procedures.normalize import loose_key

# What a bulk file's cell may say for a given consent.
CONSENT_WORDS = {"同意", "同意する", "はい", "yes", "1", "○", "true"}


@register("radio")
class RadioField(SelectField):
    label = _("ラジオボタン")
    xlsform_appearance = ""
    template_name = "procedures/fields/radio.html"


@register("checkboxes")
class CheckboxesField(FieldType):
    """Several answers, stored as a list of option values in the order of the options."""

    clean_is_pure = True

    label = _("チェックボックス（複数選択）")
    xlsform_question, xlsform_reads = "select_multiple", True
    template_name = "procedures/fields/checkboxes.html"
    script_hooks = ("data-choice-filter", "data-choice")  # cascading choices (choice_filter)
    builder_inputs = (
        OPTIONS,
        BuilderInput("validation.min_items", "int", _("最低いくつ選ぶか")),
        BuilderInput("validation.max_items", "int", _("最大いくつ選べるか")),
    )
    options = ("options",)
    defaults = {"options": [{"value": "a", "label": "選択肢A"}, {"value": "b", "label": "選択肢B"}]}

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> list[str]:
        return post_getlist(post, prefix + spec["key"])

    def is_empty(self, raw: Any) -> bool:
        if isinstance(raw, list | tuple):
            return all(v is None or str(v).strip() == "" for v in raw)
        return super().is_empty(raw)

    def bulk_cell(self, spec: dict, text: str) -> Any:
        """Several values or labels in one cell, separated by 「、」 「,」 or 「;」."""
        pieces = [p.strip() for p in text.replace("、", ";").replace(",", ";").split(";") if p.strip()]
        by_label = option_by_label(spec)
        return [by_label.get(loose_key(p), p) for p in pieces]

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> list[str]:
        label = field_label(spec)
        values = [raw] if isinstance(raw, str | int) and not isinstance(raw, bool) else raw
        if not isinstance(values, list | tuple):
            raise FieldValidationError(worded(spec, NOT_AN_OPTION_TEXTS))
        chosen = {str(v) for v in values if str(v).strip() != ""}
        order = [str(o["value"]) for o in spec.get("options", [])]
        if chosen - set(order):
            raise FieldValidationError(worded(spec, NOT_AN_OPTION_TEXTS))
        result = [v for v in order if v in chosen]
        rules = get_rules(spec)
        if "min_items" in rules and len(result) < rules["min_items"]:
            raise FieldValidationError(
                worded(
                    spec,
                    (
                        _("%(label)sは%(n)sつ以上選んでください。"),
                        _("「%(label)s」について、当てはまるものを%(n)sつ以上選んでください。"),
                    ),
                    n=rules["min_items"],
                )
            )
        if "max_items" in rules and len(result) > rules["max_items"]:
            raise FieldValidationError(
                _("%(label)sは%(n)sつまで選べます（%(count)sつ選ばれています）。")
                % {"label": label, "n": rules["max_items"], "count": len(result)}
            )
        return result

    def display(self, value: Any, spec: dict) -> str:
        if not value:
            return ""
        labels = {str(o["value"]): o["label"] for o in spec.get("options", [])}
        values = value if isinstance(value, list) else [value]
        return "、".join(str(labels.get(str(v), v)) for v in values)

    required_texts = (
        _("%(label)sを1つ以上選んでください。"),
        _("「%(label)s」について、当てはまるものを1つ以上選んでください。"),
    )

    def check_spec(self, spec: dict) -> list[str]:
        rules = get_rules(spec)
        problems = check_options(spec) + check_non_negative_ints(rules, "min_items", "max_items")
        if not problems and rules.get("min_items", 0) > rules.get("max_items", len(spec["options"])):
            problems.append(str(_("validation.min_items が max_items より大きくなっています。")))
        return problems

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        if isinstance(value, list | tuple):
            current = {str(v) for v in value}
        elif value in (None, ""):
            current = set()
        else:
            current = {str(value)}
        return choice_items(spec, current)


_YES = {"yes", "on", "true", "1", "agree", "agreed"}
_NO = {"", "no", "off", "false", "0"}


@register("consent")
class ConsentField(FieldType):
    """A statement the applicant agrees to. Stored as True; required means it must be checked."""

    clean_is_pure = True

    label = _("同意")
    xlsform_question, xlsform_reads = "acknowledge", True
    template_name = "procedures/fields/consent.html"
    builder_inputs = (
        BuilderInput("statement", "textarea", _("同意していただく内容")),
        BuilderInput("checkbox_label", "text", _("チェックボックスの文言"), _("空欄なら「同意します」")),
    )
    is_yes_no = True
    printable = False  # every applicant gave it
    options = ("statement", "checkbox_label")
    defaults = {"statement": "（同意していただく内容を書いてください）"}

    def is_empty(self, raw: Any) -> bool:
        if raw is None or raw is False:
            return True
        return isinstance(raw, str) and raw.strip().lower() in _NO

    def bulk_cell(self, spec: dict, text: str) -> Any:
        return "yes" if loose_key(text) in CONSENT_WORDS else ""

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> bool:
        if raw is True or (isinstance(raw, str) and raw.strip().lower() in _YES):
            return True
        raise FieldValidationError(
            _("%(label)s: チェックボックスで同意するかどうかを選んでください。")
            % {"label": field_label(spec)}
        )

    def display(self, value: Any, spec: dict) -> str:
        return str(_("同意する")) if value is True else ""

    def required_message(self, spec: dict):
        return _(
            "%(label)s: 内容をご確認のうえ、同意する場合はチェックを入れてください。同意いただけないと申請できません。"
        ) % {"label": spec.get("label", "")}

    def check_spec(self, spec: dict) -> list[str]:
        if not str(spec.get("statement") or "").strip():
            return [str(_("同意していただく内容（statement）を設定してください。"))]
        return []

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {
            "checked": not self.is_empty(value) and (value is True or str(value).strip().lower() in _YES),
            "statement": spec.get("statement", ""),
            "checkbox_label": spec.get("checkbox_label") or _("同意します"),
        }
