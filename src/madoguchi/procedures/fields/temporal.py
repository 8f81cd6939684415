"""Times of day and date ranges (期間)."""

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
    Part,
    ValidationContext,
    field_label,
    get_rules,
    register,
)
from madoguchi.procedures.fields.dates import parse_iso, resolve_bound
from madoguchi.procedures.fields.inputs import DATE_BOUNDS, BuilderInput
from madoguchi.procedures.fields.spec import is_int
from madoguchi.procedures.normalize import remove_spaces, to_halfwidth

_TIME_RE = re.compile(
    r"(午前|午後|AM|PM)?(\d{1,2})(?::(\d{1,2})|時(?:(\d{1,2})分?|半)?)?(AM|PM)?", re.IGNORECASE
)
_TIME_ISO = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def parse_time(text: str) -> dt.time | None:
    """ "9:30", "０９：３０", "9時30分", "9時半", "午後2時", "2pm", "0930" → time; None if unreadable."""
    value = remove_spaces(to_halfwidth(text)).replace("：", ":")
    if re.fullmatch(r"\d{3,4}", value):
        value = f"{value[:-2]}:{value[-2:]}"
    match = _TIME_RE.fullmatch(value)
    if match is None:
        return None
    meridiem = (match[1] or match[5] or "").upper()
    hour = int(match[2])
    if match[3] is not None:
        minute = int(match[3])
    elif match[4] is not None:
        minute = int(match[4])
    elif value.endswith("半"):
        minute = 30
    else:
        minute = 0
    if meridiem in {"午後", "PM"}:
        if hour > 12:
            return None
        hour = hour % 12 + 12
    elif meridiem in {"午前", "AM"}:
        if hour > 12:
            return None
        hour = hour % 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return dt.time(hour, minute)


@register("time")
class TimeField(FieldType):
    """Stored as "HH:MM" (24-hour). Options: ``validation.min``, ``max`` ("HH:MM"), ``step_minutes``."""

    label = _("時刻")
    xlsform_question, xlsform_reads = "time", True
    template_name = "procedures/fields/time.html"
    builder_inputs = (
        BuilderInput("validation.min", "text", _("この時刻以降"), _("例: 09:00")),
        BuilderInput("validation.max", "text", _("この時刻以前"), _("例: 17:00")),
        BuilderInput("step_minutes", "int", _("何分単位か"), _("例: 15")),
    )
    options = ("step_minutes",)

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        label = field_label(spec)
        moment = parse_time(raw) if isinstance(raw, str) else None
        if moment is None:
            raise FieldValidationError(
                _("%(label)sは「9:30」や「14時」のように入力してください。") % {"label": label}
            )
        value = moment.strftime("%H:%M")
        rules = get_rules(spec)
        if "min" in rules and value < str(rules["min"]):
            raise FieldValidationError(
                _("%(label)sは%(min)s以降の時刻を入力してください。") % {"label": label, "min": rules["min"]}
            )
        if "max" in rules and value > str(rules["max"]):
            raise FieldValidationError(
                _("%(label)sは%(max)s以前の時刻を入力してください。") % {"label": label, "max": rules["max"]}
            )
        step = spec.get("step_minutes")
        if is_int(step) and step > 0 and (moment.hour * 60 + moment.minute) % step:
            raise FieldValidationError(
                _("%(label)sは%(step)s分単位で入力してください。") % {"label": label, "step": step}
            )
        return value

    def display(self, value: Any, spec: dict) -> str:
        if not value:
            return ""
        hour, _sep, minute = str(value).partition(":")
        return f"{int(hour)}時{minute}分" if hour.isdigit() else str(value)

    def check_spec(self, spec: dict) -> list[str]:
        rules = get_rules(spec)
        problems = [
            str(_('validation.%(name)s は "09:30" のように24時間表記にしてください。')) % {"name": name}
            for name in ("min", "max")
            if name in rules and not _TIME_ISO.fullmatch(str(rules[name]))
        ]
        step = spec.get("step_minutes")
        if step is not None and (not is_int(step) or not 1 <= step <= 720):
            problems.append(str(_("step_minutes は1〜720の整数にしてください。")))
        return problems

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {"value": self.input_value(value, spec)}


DATE_RANGE_PARTS = (
    Part("start", _("開始日"), short=True),
    Part("end", _("終了日"), short=True),
)


@register("date_range")
class DateRangeField(FieldType):
    """Two dates, start ≤ end. Options: ``validation.min``, ``max`` (as for ``date``), ``max_days``."""

    label = _("期間（開始日〜終了日）")
    template_name = "procedures/fields/date_range.html"
    builder_inputs = (*DATE_BOUNDS, BuilderInput("validation.max_days", "int", _("最長の日数")))
    is_date = True
    script_hooks = ("data-date",)
    parts = ("start", "end")

    def parts_for(self, spec: dict) -> list[Part]:
        return list(DATE_RANGE_PARTS)

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> dict[str, str]:
        label = field_label(spec)
        if not isinstance(raw, dict):
            raise FieldValidationError(
                _("%(label)sは開始日と終了日に分けて入力してください。") % {"label": label}
            )
        days: dict[str, dt.date] = {}
        errors: dict[str, Any] = {}
        rules = get_rules(spec)
        today = timezone.localdate()
        for part in DATE_RANGE_PARTS:
            text = raw.get(part.name)
            names = {"label": label, "part": part.label}
            if isinstance(text, dt.date):
                days[part.name] = text
                continue
            if not isinstance(text, str) or not text.strip():
                errors[part.name] = _("%(label)sの%(part)sを入力してください。") % names
                continue
            try:
                day = wareki.parse_date(text)
            except wareki.WarekiError as exc:
                errors[part.name] = _("%(label)sの%(part)s: %(problem)s") % {**names, "problem": exc.message}
                continue
            if "min" in rules and day < resolve_bound(rules["min"], today=today):
                errors[part.name] = _("%(label)sの%(part)sは%(min)s以降の日付にしてください。") % {
                    **names,
                    "min": wareki.format_date_ja(resolve_bound(rules["min"], today=today)),
                }
            elif "max" in rules and day > resolve_bound(rules["max"], today=today):
                errors[part.name] = _("%(label)sの%(part)sは%(max)s以前の日付にしてください。") % {
                    **names,
                    "max": wareki.format_date_ja(resolve_bound(rules["max"], today=today)),
                }
            else:
                days[part.name] = day
        if not errors and days["end"] < days["start"]:
            errors["end"] = _("%(label)sの終了日は、開始日と同じ日かそれより後の日付にしてください。") % {
                "label": label
            }
        max_days = rules.get("max_days")
        if not errors and is_int(max_days) and (days["end"] - days["start"]).days + 1 > max_days:
            errors["end"] = _("%(label)sは%(n)s日以内にしてください（開始日と終了日を含みます）。") % {
                "label": label,
                "n": max_days,
            }
        if errors:
            raise FieldValidationError(parts=errors)
        return {"start": days["start"].isoformat(), "end": days["end"].isoformat()}

    def display(self, value: Any, spec: dict) -> str:
        if not isinstance(value, dict):
            return ""
        start, end = parse_iso(value.get("start")), parse_iso(value.get("end"))
        if start is None or end is None:
            return ""
        return f"{wareki.format_date_ja(start)}〜{wareki.format_date_ja(end)}"

    def check_spec(self, spec: dict) -> list[str]:
        rules = get_rules(spec)
        problems = []
        for name in ("min", "max"):
            if name in rules:
                try:
                    resolve_bound(rules[name])
                except ValueError:
                    problems.append(
                        str(
                            _('validation.%(name)s は "2024-04-01"、"today"、"today+30" の形にしてください。')
                        )
                        % {"name": name}
                    )
        if "max_days" in rules and (not is_int(rules["max_days"]) or rules["max_days"] < 1):
            problems.append(str(_("validation.max_days は1以上の整数にしてください。")))
        return problems

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {}
