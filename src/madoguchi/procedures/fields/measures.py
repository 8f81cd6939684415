"""A number with a unit the applicant chooses (3 か月 / 2 年, 60 kg …)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    Part,
    ValidationContext,
    field_label,
    get_rules,
    register,
)
from madoguchi.procedures.fields.inputs import MIN_MAX, BuilderInput
from madoguchi.procedures.fields.numbers import DecimalField
from madoguchi.procedures.fields.spec import check_min_max_numbers, check_non_negative_ints, check_options


def _units(spec: dict) -> list[dict]:
    return [u for u in spec.get("units") or [] if isinstance(u, dict) and "value" in u]


@register("number_with_unit")
class NumberWithUnitField(FieldType):
    """Options: ``units`` ([{"value", "label"}], one or more), ``places``; ``validation.min``, ``max``.

    Stored as ``{"value": "12.5", "unit": "kg"}`` (the number as text, like ``decimal``).
    With a single unit no choice is shown.
    """

    label = _("数値と単位")
    template_name = "procedures/fields/number_with_unit.html"
    builder_inputs = (
        BuilderInput("units", "lines", _("単位（1行に1つ）"), _("例: month: か月")),
        BuilderInput("places", "int", _("小数点以下の桁数")),
        *MIN_MAX,
    )
    parts = ("value", "unit")
    options = ("units", "places")
    defaults = {"units": [{"value": "month", "label": "か月"}, {"value": "year", "label": "年"}]}

    def parts_for(self, spec: dict) -> list[Part]:
        parts = [Part("value", _("数値"), inputmode="decimal", short=True)]
        if len(_units(spec)) != 1:
            parts.append(Part("unit", _("単位")))
        return parts

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> Any:
        raw = super().parse_form(spec, post, files, prefix)
        units = _units(spec)
        if len(units) == 1 and isinstance(raw, dict):
            raw["unit"] = str(units[0]["value"]) if str(raw.get("value", "")).strip() else ""
        return raw

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> dict[str, str]:
        label = field_label(spec)
        units = _units(spec)
        if not isinstance(raw, dict):
            raise FieldValidationError(
                _("%(label)sは数値と単位に分けて入力してください。") % {"label": label}
            )
        errors: dict[str, Any] = {}
        unit = str(raw.get("unit") or "").strip()
        if len(units) == 1 and not unit:
            unit = str(units[0]["value"])
        if unit not in {str(u["value"]) for u in units}:
            errors["unit"] = _("%(label)sの単位を選んでください。") % {"label": label}
        value = ""
        number = raw.get("value")
        if number is None or str(number).strip() == "":
            errors["value"] = _("%(label)sの数値を入力してください。") % {"label": label}
        else:
            try:
                value = DecimalField().clean(number, {**spec, "label": label}, context)
            except FieldValidationError as exc:
                errors["value"] = exc.message
        if errors:
            raise FieldValidationError(parts=errors)
        return {"value": value, "unit": unit}

    def display(self, value: Any, spec: dict) -> str:
        if not isinstance(value, dict) or not value.get("value"):
            return ""
        labels = {str(u["value"]): u.get("label", u["value"]) for u in _units(spec)}
        return f"{value['value']}{labels.get(str(value.get('unit')), value.get('unit', ''))}"

    def check_spec(self, spec: dict) -> list[str]:
        problems = check_options({"options": spec.get("units")})
        problems = [p.replace("選択肢", "単位").replace("options", "units") for p in problems]
        problems += check_min_max_numbers(get_rules(spec))
        return problems + check_non_negative_ints(spec, "places", where="")

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        current = str(value.get("unit", "")) if isinstance(value, dict) else ""
        units = _units(spec)
        return {
            "units": [
                {
                    "value": str(u["value"]),
                    "label": u.get("label", u["value"]),
                    "selected": str(u["value"]) == current,
                }
                for u in units
            ],
            "single_unit": units[0].get("label", units[0]["value"]) if len(units) == 1 else "",
        }
