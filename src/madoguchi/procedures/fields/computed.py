"""Read-only values calculated from other answers (合計, 年齢, 自己負担額 …).

Options: ``expression`` (required; the rule language, docs/rules.md), ``format``
(``number`` default, ``integer``, ``money``, ``text``, ``date``, ``yes_no``), ``places``
(digits after the point for ``number``, default 2), ``unit``. The server calculates the
value every time a step is saved; fields.js shows it live while the applicant types.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.core.yen import with_unit, yen
from madoguchi.procedures.fields.base import FieldType, ValidationContext, register
from madoguchi.procedures.fields.inputs import BuilderInput
from madoguchi.procedures.fields.spec import is_int

FORMAT_LABELS = {
    "number": _("数値"),
    "integer": _("整数"),
    "money": _("金額（円）"),
    "text": _("文字"),
    "date": _("日付"),
    "yes_no": _("はい／いいえ"),
}
FORMATS = tuple(FORMAT_LABELS)


def _half_up(value: float, places: int) -> float:
    factor = 10.0**places
    sign = -1.0 if value < 0 else 1.0
    import math

    return sign * math.floor(abs(value) * factor + 0.5) / factor


@register("computed")
class ComputedField(FieldType):
    label = _("自動計算")
    xlsform_question, xlsform_reads = "calculate", True
    template_name = "procedures/fields/computed.html"
    builder_inputs = (
        BuilderInput(
            "expression", "expr", _("計算式"), _("例: sum(items.amount)、age(birth_date)、paid - 80100")
        ),
        BuilderInput("format", "select", _("表示の形式"), choices=tuple(FORMAT_LABELS.items())),
        BuilderInput("places", "int", _("小数点以下の桁数（形式が number のとき）")),
        BuilderInput("unit", "text", _("単位")),
    )
    script_hooks = ("data-expression",)
    options = ("expression", "format", "places", "unit")
    computes = True
    defaults = {"expression": "0", "format": "number"}

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> Any:
        return None

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> Any:
        return None  # never taken from input

    def compute(self, spec: dict, data: dict[str, Any]) -> Any:
        from madoguchi.procedures import rules

        try:
            value = rules.evaluate_text(str(spec.get("expression") or ""), data)
        except rules.RuleSyntaxError:
            return None
        fmt = spec.get("format") or "number"
        if value is None:
            return None
        if fmt in {"integer", "money"}:
            number = rules.to_number(value)
            return None if number is None else int(_half_up(number, 0))
        if fmt == "number":
            number = rules.to_number(value)
            if number is None:
                return None
            places = spec.get("places", 2) if is_int(spec.get("places", 2)) else 2
            rounded = _half_up(number, places)
            return int(rounded) if rounded.is_integer() else rounded
        if fmt == "yes_no":
            truth = rules.truth(value)
            return truth
        if isinstance(value, float):
            return int(value) if value.is_integer() else value
        return value if isinstance(value, str | bool) else str(value)

    def display(self, value: Any, spec: dict) -> str:
        if value is None or value == "":
            return ""
        fmt = spec.get("format") or "number"
        unit = str(spec.get("unit") or "")
        if fmt == "money":
            return yen(value)
        if fmt == "yes_no":
            return str(_("はい")) if value is True else str(_("いいえ")) if value is False else ""
        if fmt == "date":
            from madoguchi.procedures import wareki
            from madoguchi.procedures.fields.dates import parse_iso

            day = parse_iso(value)
            return wareki.format_date_ja(day) if day else str(value)
        if fmt == "integer" and isinstance(value, int):
            return with_unit(value, unit)
        return f"{value}{unit}"

    def check_spec(self, spec: dict) -> list[str]:
        from madoguchi.procedures import rules

        problems = []
        expression = spec.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            problems.append(str(_("計算式（expression）を設定してください。")))
        else:
            try:
                rules.parse(expression)
            except rules.RuleSyntaxError as exc:
                problems.append(str(_("計算式に誤りがあります: %(message)s")) % {"message": exc.message})
        if spec.get("format", "number") not in FORMATS:
            problems.append(
                str(_("format は %(formats)s のいずれかにしてください。")) % {"formats": ", ".join(FORMATS)}
            )
        if "places" in spec and (not is_int(spec["places"]) or not 0 <= spec["places"] <= 10):
            problems.append(str(_("places は0〜10の整数にしてください。")))
        return problems

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        fmt = spec.get("format") or "number"
        return {
            "display": self.display(value, spec),
            "expression": spec.get("expression", ""),
            "format": fmt,
            "places": spec.get("places", 2) if fmt == "number" else 0,
            "unit": "円" if fmt == "money" else spec.get("unit", ""),
        }
