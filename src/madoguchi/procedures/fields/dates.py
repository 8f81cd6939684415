"""Dates: typed as text in any common Japanese form (西暦 or 和暦), stored as ISO "YYYY-MM-DD".

A text input rather than ``<input type=date>``: old phones lack a good picker, people who
think in 和暦 can type 昭和50年3月3日, and birth dates are faster to type than to scroll.
"""

from __future__ import annotations

import datetime as dt
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
from madoguchi.procedures.fields.inputs import DATE_BOUNDS, BuilderInput, prefill_input

_BOUND_RE = re.compile(r"today(?:([+-])(\d+))?")


def resolve_bound(bound: Any, *, today: dt.date | None = None) -> dt.date:
    """A bound like "2024-04-01", "today", "today+30" or "today-1" → a date. Raises ValueError."""
    text = str(bound).strip()
    match = _BOUND_RE.fullmatch(text)
    if match:
        base = today or timezone.localdate()
        days = int(match[2] or 0)
        return base + dt.timedelta(days=days if match[1] != "-" else -days)
    return dt.date.fromisoformat(text)


def parse_iso(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


@register("date")
class DateField(FieldType):
    clean_is_pure = True  # today's date is in the stamp
    label = _("日付")
    xlsform_question, xlsform_reads = "date", True
    template_name = "procedures/fields/date.html"
    verified_claim = "birth_date"
    builder_inputs = (
        *DATE_BOUNDS,
        BuilderInput("validation.past_only", "bool", _("今日より後の日付は入力できない")),
        BuilderInput("validation.future_only", "bool", _("今日より前の日付は入力できない")),
        prefill_input(claim=verified_claim),
    )
    options = ("prefill",)
    is_date = True
    script_hooks = ("data-date",)

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        label = field_label(spec)
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, dt.date):
            day = raw
        elif isinstance(raw, str):
            try:
                day = wareki.parse_date(raw)
            except wareki.WarekiError as exc:
                raise FieldValidationError(
                    _("%(label)s: %(problem)s") % {"label": label, "problem": exc.message}
                ) from None
        else:
            raise FieldValidationError(_("%(label)sは日付で入力してください。") % {"label": label})
        self._check_rules(day, spec)
        return day.isoformat()

    def _check_rules(self, day: dt.date, spec: dict) -> None:
        rules = get_rules(spec)
        label = field_label(spec)
        today = timezone.localdate()
        if rules.get("past_only") and day > today:
            raise FieldValidationError(_("%(label)sに未来の日付は入力できません。") % {"label": label})
        if rules.get("future_only") and day < today:
            raise FieldValidationError(_("%(label)sに過去の日付は入力できません。") % {"label": label})
        if "min" in rules and day < resolve_bound(rules["min"], today=today):
            raise FieldValidationError(
                _("%(label)sは%(min)s以降の日付を入力してください。")
                % {"label": label, "min": wareki.format_date_ja(resolve_bound(rules["min"], today=today))}
            )
        if "max" in rules and day > resolve_bound(rules["max"], today=today):
            raise FieldValidationError(
                _("%(label)sは%(max)s以前の日付を入力してください。")
                % {"label": label, "max": wareki.format_date_ja(resolve_bound(rules["max"], today=today))}
            )

    def display(self, value: Any, spec: dict) -> str:
        day = parse_iso(value)
        if day is None:
            return "" if value in (None, "") else str(value)
        return wareki.format_date_ja(day)

    def check_spec(self, spec: dict) -> list[str]:
        rules = get_rules(spec)
        problems = []
        for name in ("min", "max"):
            if name in rules:
                try:
                    resolve_bound(rules[name])
                except ValueError:
                    problems.append(
                        _('validation.%(name)s は "2024-04-01"、"today"、"today+30" の形にしてください。')
                        % {"name": name}
                    )
        if rules.get("past_only") and rules.get("future_only"):
            problems.append(str(_("past_only と future_only は同時に指定できません。")))
        if not problems and "min" in rules and "max" in rules:
            if resolve_bound(rules["min"]) > resolve_bound(rules["max"]):
                problems.append(str(_("validation.min が max より後の日付になっています。")))
        return problems

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        text = self.input_value(value, spec)
        understood = ""
        if text:
            try:
                understood = wareki.format_date_ja(wareki.parse_date(text))
            except wareki.WarekiError:
                understood = ""
        return {"value": text, "understood": understood}
