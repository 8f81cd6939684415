"""Numbers: integer, money (円), decimal. 全角数字, commas and units are accepted."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.core.yen import with_unit, yen
from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    get_rules,
    register,
)
from madoguchi.procedures.fields.inputs import MIN_MAX, BuilderInput
from madoguchi.procedures.fields.spec import check_min_max_numbers, check_non_negative_ints
from madoguchi.procedures.normalize import remove_spaces, to_halfwidth

MAX_DIGITS = 15  # beyond any amount or count a procedure asks for; keeps JSON ints exact
_MINUS = str.maketrans({"−": "-", "ー": "-", "‐": "-", "△": "-", "▲": "-"})
_INT_RE = re.compile(r"[+-]?\d+")
_DECIMAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _prepare(raw: str, *, unit: str = "") -> str:
    text = remove_spaces(to_halfwidth(raw)).translate(_MINUS).replace(",", "").replace("、", "")
    if unit:
        unit = to_halfwidth(unit)
        if text.endswith(unit):
            text = text[: -len(unit)]
    return text


def _check_range(value: Any, spec: dict, *, fmt=str) -> None:
    rules = get_rules(spec)
    label = field_label(spec)
    low = Decimal(str(rules["min"])) if "min" in rules else None
    high = Decimal(str(rules["max"])) if "max" in rules else None
    number = Decimal(str(value))
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            message = _("%(label)sは%(min)s〜%(max)sの範囲で入力してください。")
        elif low is not None:
            message = _("%(label)sは%(min)s以上で入力してください。")
        else:
            message = _("%(label)sは%(max)s以下で入力してください。")
        raise FieldValidationError(
            message
            % {
                "label": label,
                "min": fmt(rules.get("min")) if low is not None else "",
                "max": fmt(rules.get("max")) if high is not None else "",
            }
        )


@register("integer")
class IntegerField(FieldType):
    clean_is_pure = True
    label = _("整数")
    xlsform_question, xlsform_reads = "integer", True
    template_name = "procedures/fields/number.html"
    builder_inputs = (BuilderInput("unit", "text", _("単位"), _("例: 人、日")), *MIN_MAX)
    options = ("unit",)
    inputmode = "numeric"

    def _parse(self, raw: Any, spec: dict) -> int:
        label = field_label(spec)
        if isinstance(raw, bool):
            raise FieldValidationError(_("%(label)sは数字で入力してください。") % {"label": label})
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        elif isinstance(raw, str | float):
            text = _prepare(str(raw), unit=spec.get("unit", ""))
            if re.fullmatch(r"[+-]?\d*\.\d+", text):
                raise FieldValidationError(_("%(label)sは整数で入力してください。") % {"label": label})
            if not _INT_RE.fullmatch(text):
                raise FieldValidationError(
                    _("%(label)sは数字で入力してください（例: 12）。") % {"label": label}
                )
            value = int(text)
        else:
            raise FieldValidationError(_("%(label)sは数字で入力してください。") % {"label": label})
        if len(str(abs(value))) > MAX_DIGITS:
            raise FieldValidationError(_("%(label)sの数字が大きすぎます。") % {"label": label})
        return value

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> int:
        value = self._parse(raw, spec)
        _check_range(value, spec)
        return value

    def display(self, value: Any, spec: dict) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, int):  # 「1,200人」 like a computed count, 「2,000円」 like money
            return with_unit(value, str(spec.get("unit") or ""))
        return f"{value}{spec.get('unit', '')}"

    def check_spec(self, spec: dict) -> list[str]:
        return check_min_max_numbers(get_rules(spec))

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {
            "value": self.input_value(value, spec),
            "inputmode": self.inputmode,
            "unit": spec.get("unit", ""),
        }


def _yen(value: Any) -> str:
    return yen(value)


@register("money")
class MoneyField(IntegerField):
    """Amount in 円 (int ≥ 0). Accepts "1,000", "１０００円", "¥1000", "1万2000円"."""

    label = _("金額（円）")
    xlsform_reads = False  # written as an integer, read back by its bind::madoguchi:type
    options = ()
    builder_inputs = MIN_MAX

    def _parse(self, raw: Any, spec: dict) -> int:
        label = field_label(spec)
        if isinstance(raw, str):
            text = _prepare(raw).lstrip("¥\\").removesuffix("円")
            man = re.fullmatch(r"(\d+)万(\d*)", text)
            if man:
                text = str(int(man[1]) * 10000 + int(man[2] or 0))
            if re.fullmatch(r"\d*\.\d+", text):
                raise FieldValidationError(
                    _("%(label)sは1円単位の整数で入力してください。") % {"label": label}
                )
            if text.startswith("-") and _INT_RE.fullmatch(text):
                raise FieldValidationError(_("%(label)sは0円以上で入力してください。") % {"label": label})
            if not re.fullmatch(r"\+?\d+", text):
                raise FieldValidationError(
                    _("%(label)sは金額を数字で入力してください（例: 12000 または 12,000円）。")
                    % {"label": label}
                )
            raw = int(text)
        value = super()._parse(raw, {**spec, "unit": ""})
        if value < 0:
            raise FieldValidationError(_("%(label)sは0円以上で入力してください。") % {"label": label})
        return value

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> int:
        value = self._parse(raw, spec)
        _check_range(value, spec, fmt=_yen)
        return value

    def display(self, value: Any, spec: dict) -> str:
        if value is None or value == "":
            return ""
        return _yen(value)

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {"value": self.input_value(value, spec), "inputmode": "numeric", "unit": _("円")}


@register("decimal")
class DecimalField(FieldType):
    """A number with a fraction, stored as a string ("12.5") so no precision is lost."""

    clean_is_pure = True

    label = _("小数")
    xlsform_question, xlsform_reads = "decimal", True
    template_name = "procedures/fields/number.html"
    builder_inputs = (
        BuilderInput("places", "int", _("小数点以下の桁数")),
        BuilderInput("unit", "text", _("単位")),
        *MIN_MAX,
    )
    options = ("places", "unit")

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        label = field_label(spec)
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise FieldValidationError(_("%(label)sは数字で入力してください。") % {"label": label})
        text = _prepare(str(raw), unit=spec.get("unit", ""))
        if not _DECIMAL_RE.fullmatch(text):
            raise FieldValidationError(
                _("%(label)sは数字で入力してください（例: 12.5）。") % {"label": label}
            )
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex rules this out
            raise FieldValidationError(_("%(label)sは数字で入力してください。") % {"label": label}) from None
        digits = text.lstrip("+-").split(".")[0].lstrip("0")
        if len(digits) > MAX_DIGITS:
            raise FieldValidationError(_("%(label)sの数字が大きすぎます。") % {"label": label})
        places = spec.get("places")
        if places is not None:
            exponent = -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0
            if exponent > int(places):
                if int(places) == 0:
                    message = _("%(label)sは整数で入力してください。")
                else:
                    message = _("%(label)sは小数点以下%(places)s桁までで入力してください。")
                raise FieldValidationError(message % {"label": label, "places": places})
            number = number.quantize(Decimal(1).scaleb(-int(places)))
        _check_range(number, spec)
        if number == 0:
            number = abs(number)  # no "-0.0"
        return format(number, "f")

    def display(self, value: Any, spec: dict) -> str:
        if value is None or value == "":
            return ""
        return f"{value}{spec.get('unit', '')}"

    def check_spec(self, spec: dict) -> list[str]:
        problems = check_min_max_numbers(get_rules(spec))
        return problems + check_non_negative_ints(spec, "places", where="")

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {"value": self.input_value(value, spec), "inputmode": "decimal", "unit": spec.get("unit", "")}
