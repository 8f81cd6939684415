"""年月 (a year and a month): 「令和8年10月」, 2026-10, 2026/10, R8.10 …, stored as "YYYY-MM".

For 受診した月, 対象となる月, 支給月: asking for a day would make people invent one.
Bounds (``validation.min``/``max``) are "2026-04", "this_month", "this_month+3" or
"this_month-12"; ``past_only``/``future_only`` allow the current month.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.procedures import wareki
from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    get_rules,
    register,
)
from madoguchi.procedures.fields.inputs import BuilderInput

_BOUND_RE = re.compile(r"this_month(?:([+-])(\d+))?")
_STORED_RE = re.compile(r"(\d{4})-(\d{2})")


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def resolve_month_bound(bound: Any) -> tuple[int, int]:
    """ "2026-04", "this_month", "this_month+3" → (year, month). Raises ValueError."""
    text = str(bound).strip()
    match = _BOUND_RE.fullmatch(text)
    if match:
        today = timezone.localdate()
        months = int(match[2] or 0)
        return _shift(today.year, today.month, months if match[1] != "-" else -months)
    stored = _STORED_RE.fullmatch(text)
    if stored and 1 <= int(stored[2]) <= 12:
        return int(stored[1]), int(stored[2])
    raise ValueError(text)


def parse_stored(value: Any) -> tuple[int, int] | None:
    match = _STORED_RE.fullmatch(str(value or ""))
    return (int(match[1]), int(match[2])) if match else None


@register("year_month")
class YearMonthField(FieldType):
    label = _("年月")
    template_name = "procedures/fields/year_month.html"
    builder_inputs = (
        BuilderInput(
            "validation.min", "text", _("この月以降"), _("例: 2024-04、this_month（今月）、this_month-12")
        ),
        BuilderInput("validation.max", "text", _("この月以前"), _("例: this_month、this_month+3")),
        BuilderInput("validation.past_only", "bool", _("来月以降は入力できない")),
        BuilderInput("validation.future_only", "bool", _("先月以前は入力できない")),
    )
    is_date = True

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        label = field_label(spec)
        try:
            year, month = wareki.parse_year_month(str(raw))
        except wareki.WarekiError as exc:
            raise FieldValidationError(
                _("%(label)s: %(problem)s") % {"label": label, "problem": exc.message}
            ) from None
        rules = get_rules(spec)
        today = timezone.localdate()
        current = (today.year, today.month)
        if rules.get("past_only") and (year, month) > current:
            raise FieldValidationError(_("%(label)sに来月以降の年月は入力できません。") % {"label": label})
        if rules.get("future_only") and (year, month) < current:
            raise FieldValidationError(_("%(label)sに先月以前の年月は入力できません。") % {"label": label})
        if "min" in rules and (year, month) < resolve_month_bound(rules["min"]):
            raise FieldValidationError(
                _("%(label)sは%(min)s以降を入力してください。")
                % {"label": label, "min": wareki.format_month_ja(*resolve_month_bound(rules["min"]))}
            )
        if "max" in rules and (year, month) > resolve_month_bound(rules["max"]):
            raise FieldValidationError(
                _("%(label)sは%(max)s以前を入力してください。")
                % {"label": label, "max": wareki.format_month_ja(*resolve_month_bound(rules["max"]))}
            )
        return f"{year:04d}-{month:02d}"

    def display(self, value: Any, spec: dict) -> str:
        parsed = parse_stored(value)
        if parsed is None:
            return "" if value in (None, "") else str(value)
        return wareki.format_month_ja(*parsed)

    def check_spec(self, spec: dict) -> list[str]:
        rules = get_rules(spec)
        problems = []
        for name in ("min", "max"):
            if name in rules:
                try:
                    resolve_month_bound(rules[name])
                except ValueError:
                    problems.append(
                        _(
                            'validation.%(name)s は "2024-04"、"this_month"、"this_month+3" の形にしてください。'
                        )
                        % {"name": name}
                    )
        if rules.get("past_only") and rules.get("future_only"):
            problems.append(str(_("past_only と future_only は同時に指定できません。")))
        if not problems and "min" in rules and "max" in rules:
            if resolve_month_bound(rules["min"]) > resolve_month_bound(rules["max"]):
                problems.append(str(_("validation.min が max より後の年月になっています。")))
        return problems

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        text = self.input_value(value, spec)
        understood = ""
        if text:
            try:
                understood = wareki.format_month_ja(*wareki.parse_year_month(text))
            except wareki.WarekiError:
                understood = ""
        return {"value": text, "understood": understood}
