"""An XLSForm workbook (survey / choices / settings sheets) → a Madoguchi definition.

The survey is walked once, row by row: top-level groups become steps, repeats become
``group`` fields, questions become fields. Reading the workbook is ``sheets.py``, expressions
are ``expressions.py`` (on ``xpath.py``), the report is ``problems.py``; every problem is
collected with its sheet, row and column, and nothing is returned unless there are none (the
caller then creates the procedure in one transaction). See docs/procedures.md, "XLSForm".
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.definition import KEY_RE, check_definition
from madoguchi.procedures.fields import FieldType, registry
from madoguchi.procedures.xlsform.expressions import Names, expr_of, keep_or_set
from madoguchi.procedures.xlsform.problems import Problems
from madoguchi.procedures.xlsform.sheets import (
    CHOICE_QUESTIONS,
    NAMESPACE,
    SPEC_COLUMN,
    TYPE_COLUMN,
    Row,
    other_languages,
    read_sheets,
    texts,
)
from madoguchi.procedures.xlsform.xpath import NotMapped, to_xpath

__all__ = ["NAMESPACE", "SPEC_COLUMN", "TYPE_COLUMN", "definition_from_xlsform"]

# XLSForm question types read as the type of another: an image is a file (of an image type).
QUESTION_ALIASES = {"image": "file"}
# Metadata "questions" that record the device or the time, not an answer: skipped.
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
}
IMAGE_TYPES = ["image/jpeg", "image/png", "image/heic", "image/webp"]
YES = {"yes", "true", "true()", "1", "はい"}
NO = {"", "no", "false", "false()", "0", "いいえ"}
CHOICE_FILTER_RE = re.compile(r"\s*([A-Za-z_][\w-]*)\s*=\s*\$\{([^}]+)\}\s*")


def read_as(kind: str, appearance: str = "") -> FieldType | None:
    """The registered type an XLSForm question of this type and appearance is read as (its
    ``xlsform_question`` / ``xlsform_appearance``, procedures/fields/base.py): the one whose
    appearance the row's names, else the plain one; None when no type reads it
    (``bind::madoguchi:type`` may then still name one)."""
    question = QUESTION_ALIASES.get(kind, kind)
    readers = [t for t in registry.values() if t.xlsform_reads and t.xlsform_question == question]
    for field_type in readers:
        if field_type.xlsform_appearance and field_type.xlsform_appearance in appearance:
            return field_type
    return next((t for t in readers if not t.xlsform_appearance), None)


class _Builder:
    def __init__(self, sheets: dict[str, list[Row]], *, title: str = ""):
        self.sheets = sheets
        self.title = title
        self.problems = Problems()
        self.names = Names(self.problems)
        self.choices: dict[str, list[dict]] = {}
        self.steps: list[dict] = []

    # -- choices ------------------------------------------------------------------

    def read_choices(self) -> None:
        for row in self.sheets.get("choices", []):
            list_name, value = row.get("list_name") or row.get("list name"), row.get("name")
            if not list_name or not value:
                self.problems.add(row, _("list_name と name を入れてください。"))
                continue
            label, label_en = texts(row, "label")
            option: dict[str, Any] = {"value": value, "label": label or value}
            if label_en:
                option["label_en"] = label_en
            extra = {
                name: cell.value
                for name, cell in row.cells.items()
                if name not in {"list_name", "list name", "name"}
                and not name.startswith(("label", "media", "image", "audio", "video"))
            }
            if extra:
                option["filter"] = extra
            self.choices.setdefault(list_name, []).append(option)

    # -- survey -------------------------------------------------------------------

    def build(self) -> dict:
        survey = self.sheets.get("survey")
        if not survey:
            self.problems.add("survey", _("survey シートがありません。"))
            return {"steps": []}
        self.read_choices()
        self.names.collect(survey)
        loose: dict | None = None  # the step of questions outside any group
        # The groups and repeats the row is in, outermost first: ("step", step), ("group", rule),
        # ("repeat", field) or ("skip", None) for what is reported and not imported.
        frames: list[tuple[str, Any]] = []

        def container() -> dict:
            nonlocal loose
            step = next((value for kind, value in frames if kind == "step"), None)
            if step is not None:
                return step
            if loose is None:
                loose = self.loose_step()
            return loose

        def current_repeat() -> dict | None:
            return next((value for kind, value in frames if kind == "repeat"), None)

        def group_rules(*, inside_repeat: bool) -> list[str]:
            """The relevant of the plain groups around the row (those inside its repeat)."""
            kinds = [kind for kind, _value in frames]
            first = kinds.index("repeat") + 1 if inside_repeat and "repeat" in kinds else 0
            return [value for kind, value in frames[first:] if kind == "group" and value]

        for row in survey:
            kind, argument = row.kind()
            skipping = any(frame == "skip" for frame, _value in frames)
            if kind in {"end_group", "end_repeat"}:
                if frames:
                    frames.pop()
                else:
                    self.problems.add(row, _("対応する begin_group / begin_repeat がありません。"))
                continue
            if kind == "begin_group":
                repeat = current_repeat()
                if skipping:
                    frames.append(("skip", None))
                elif not frames:
                    frames.append(("step", self.new_step(row)))
                    loose = None
                else:
                    # A group inside a step or a repeat: its questions join the step (or the
                    # row), each shown only when the group's relevant holds.
                    inside = repeat["key"] if repeat is not None else None
                    frames.append(("group", self.names.rule(row.cell("relevant"), repeat=inside)))
                continue
            if kind == "begin_repeat":
                if skipping:
                    frames.append(("skip", None))
                    continue
                if current_repeat() is not None:
                    self.problems.add(
                        row.cell("type") or row,
                        _(
                            "繰り返しの中の繰り返し「%(name)s」は取り込めません（窓口の繰り返しは1段までです）。"
                            "外の繰り返しから出して別の繰り返しにするか、項目を1行にまとめてください。"
                        )
                        % {"name": row.get("name")},
                    )
                    frames.append(("skip", None))
                    continue
                field = self.new_repeat(row)
                if field is not None:
                    self.and_rules(field, group_rules(inside_repeat=False))
                    container()["fields"].append(field)
                frames.append(("repeat", field) if field is not None else ("skip", None))
                continue
            if skipping or not kind or kind in METADATA_TYPES:
                continue
            repeat = current_repeat()
            inside = repeat["key"] if repeat is not None else None
            spec = self.question(row, kind, argument, repeat=inside)
            if spec is None:
                continue
            if repeat is not None and not registry[spec["type"]].groupable:
                self.problems.add(
                    row.cell("type") or row,
                    _(
                        "繰り返しの中には「%(type)s」の項目を置けません（ファイルは繰り返しの外に置いてください）。"
                    )
                    % {"type": kind},
                )
                continue
            self.and_rules(spec, group_rules(inside_repeat=repeat is not None))
            owner = repeat if repeat is not None else container()
            owner["fields"].append(spec)
            self.constraint(row, spec, owner, repeat=inside)
        if frames:
            self.problems.add(
                "survey", _("begin_group / begin_repeat が end_group / end_repeat で閉じられていません。")
            )
        return {"steps": self.steps}

    @staticmethod
    def and_rules(spec: dict, rules: list[str]) -> None:
        """Show ``spec`` only when the groups around it apply too (their relevant, and its own)."""
        if not rules:
            return
        own = expr_of(spec.get("show_if"))
        if spec.get("show_if") is not None and own is None:
            spec["show_if"] = {"all": [*({"expr": rule} for rule in rules), spec["show_if"]]}
            return
        parts = [*rules, *([own] if own else [])]
        spec["show_if"] = {"expr": " and ".join(f"({part})" if len(parts) > 1 else part for part in parts)}

    def new_step(self, row: Row) -> dict:
        key = row.get("name")
        if not KEY_RE.fullmatch(key or ""):
            self.problems.add(
                row.cell("name") or row, _("グループの name は英字で始まる英数字と _ にしてください。")
            )
        title, title_en = texts(row, "label")
        base = self.spec_json(row)
        step: dict[str, Any] = {**base, "key": key, "title": title or key, "fields": []}
        if title_en:
            step["title_en"] = title_en
        self.show_if(row, step)
        self.steps.append(step)
        return step

    def loose_step(self) -> dict:
        step = {"key": f"step{len(self.steps) + 1}", "title": self.title or _("入力"), "fields": []}
        self.steps.append(step)
        return step

    def spec_json(self, row: Row) -> dict:
        cell = row.cell(SPEC_COLUMN)
        if cell is None:
            return {}
        try:
            value = json.loads(cell.value)
        except json.JSONDecodeError:
            self.problems.add(cell, _("JSONとして読めません。"))
            return {}
        if not isinstance(value, dict):
            self.problems.add(cell, _("JSONオブジェクトにしてください。"))
            return {}
        return value

    def new_field(self, row: Row, type_id: str) -> dict | None:
        key = row.get("name")
        if not KEY_RE.fullmatch(key or ""):
            self.problems.add(
                row.cell("name") or row,
                _("name は英字で始まる英数字と _ にしてください（63文字まで、- や . は使えません）。"),
            )
            return None
        base = self.spec_json(row)
        spec: dict[str, Any] = {**base, "key": key, "type": type_id}
        label, label_en = texts(row, "label")
        if registry[type_id].has_value:
            spec["label"] = label or base.get("label") or key
        if label_en:
            spec["label_en"] = label_en
        hint, hint_en = texts(row, "hint")
        if hint:
            spec["help"] = hint
        if hint_en:
            spec["help_en"] = hint_en
        return spec

    def new_repeat(self, row: Row) -> dict | None:
        repeat = read_as("begin_repeat")
        assert repeat is not None  # the group type (procedures/fields/group.py)
        spec = self.new_field(row, repeat.type_id)
        if spec is None:
            return None
        spec["fields"] = []
        cell = row.cell("repeat_count")
        if cell is not None:
            if cell.value.isdigit():
                count = int(cell.value)
                spec["validation"] = {**spec.get("validation", {}), "min_items": count, "max_items": count}
            else:
                self.problems.add(cell, _("repeat_count は数字だけ取り込めます。"))
        self.show_if(row, spec, current=spec["key"])
        return spec

    def show_if(self, row: Row, spec: dict, *, current: str | None = None, repeat: str | None = None) -> None:
        cell = row.cell("relevant")
        rule = self.names.rule(cell, current=current, repeat=repeat, exported=expr_of(spec.get("show_if")))
        if rule:
            keep_or_set(spec, "show_if", rule)

    def question(self, row: Row, kind: str, argument: str, *, repeat: str | None) -> dict | None:
        read = read_as(kind, row.get("appearance").lower())
        if read is None:
            self.problems.add(
                row.cell("type") or row, _("種類「%(type)s」は取り込めません。") % {"type": kind}
            )
            return None
        type_id = read.type_id
        override = row.cell(TYPE_COLUMN)
        if override is not None:
            if override.value not in registry:
                self.problems.add(
                    override, _("窓口の種類「%(type)s」はありません。") % {"type": override.value}
                )
                return None
            type_id = override.value
        spec = self.new_field(row, type_id)
        if spec is None:
            return None
        field_type = registry[type_id]
        if kind in CHOICE_QUESTIONS:
            list_name = argument.split(" ")[0]
            if list_name not in self.choices:
                self.problems.add(
                    row.cell("type") or row,
                    _("選択肢リスト「%(list)s」が choices シートにありません。") % {"list": list_name},
                )
                return None
            if "options" not in spec or field_type.xlsform_question in CHOICE_QUESTIONS:
                spec["options"] = [dict(o) for o in self.choices[list_name]]
            self.choice_filter(row, spec, repeat=repeat)
        if kind == "note":
            text, text_en = texts(row, "label")
            spec.setdefault("text", text or spec["key"])
            if text_en:
                spec["text_en"] = text_en
            spec.pop("label_en", None)
        if kind == "acknowledge":
            spec.setdefault("statement", spec["label"])
        if kind == "image" and override is None:
            spec.setdefault("accept", IMAGE_TYPES)
        required = row.cell("required")
        if required is not None and field_type.has_value and not field_type.computes:
            if required.value.lower() in YES:
                spec["required"] = True
            elif required.value.lower() not in NO:
                rule = self.names.rule(required, repeat=repeat, exported=expr_of(spec.get("required_if")))
                if rule:
                    keep_or_set(spec, "required_if", rule)
        message, message_en = texts(row, "required_message")
        if message:
            spec["required_message"] = message
        if message_en:
            spec["required_message_en"] = message_en
        self.show_if(row, spec, current=spec["key"], repeat=repeat)
        calculation = row.cell("calculation")
        if calculation is not None:
            rule = self.names.rule(calculation, repeat=repeat, exported=spec.get("expression"))
            if rule and spec.get("expression") != rule:
                spec["expression"] = rule
            spec.setdefault("format", "number")
        elif field_type.xlsform_question == "calculate":
            self.problems.add(row, _("calculate には calculation が必要です。"))
        default = row.cell("default")
        if default is not None:
            spec["default"] = default.value
        return spec

    def choice_filter(self, row: Row, spec: dict, *, repeat: str | None) -> None:
        """Cascading choices: ``column=${question}`` (the form ODK and Kobo write) maps. Inside a
        repeat the question may be one of the same row or one outside the repeat."""
        cell = row.cell("choice_filter")
        if cell is None:
            return
        match = CHOICE_FILTER_RE.fullmatch(cell.value)
        if match is None:
            self.problems.add(
                cell,
                _(
                    "choice_filter は「列名=${項目}」の形だけ取り込めます（selected() や and/or は使えません）。"
                ),
            )
            return
        try:
            path = self.names.path(match[2], repeat=repeat)
        except NotMapped as exc:
            self.problems.add(cell, _("choice_filter を取り込めません（%(reason)s）。") % {"reason": exc})
            return
        if "." in path:
            self.problems.add(
                cell,
                _(
                    "choice_filter の「${%(name)s}」は繰り返しの中の項目です。同じ繰り返しの中か、繰り返しの外の項目にしてください。"
                )
                % {"name": match[2]},
            )
            return
        column = match[1]
        if not any(column in (option.get("filter") or {}) for option in spec.get("options") or []):
            self.problems.add(
                cell, _("choices シートに「%(column)s」の列がありません。") % {"column": column}
            )
            return
        spec["choice_filter"] = {"column": column, "field": path}

    def constraint(self, row: Row, spec: dict, owner: dict, *, repeat: str | None = None) -> None:
        """``constraint`` → a check of the step (or, inside a repeat, of each row) on this field.
        A check our export wrote beside the cell is kept as it is; an edited cell replaces its rule."""
        cell = row.cell("constraint")
        if cell is None:
            return
        key = spec["key"]
        checks: list[dict] = owner.setdefault("checks", [])
        exported = next(
            (
                check
                for check in checks
                if isinstance(check, dict)
                and check.get("field") == key
                and isinstance(check.get("rule"), str)
                and to_xpath(check["rule"], current=key) is not None
            ),
            None,
        )
        rule = self.names.rule(
            cell, current=key, repeat=repeat, exported=exported.get("rule") if exported else None
        )
        if not rule:
            return
        message, message_en = texts(row, "constraint_message")
        check = exported if exported is not None else {}
        check["rule"] = rule
        if message or exported is None:
            label = spec.get("label") or key
            check["message"] = message or _("「%(label)s」の内容をご確認ください。") % {"label": label}
        if message_en:
            check["message_en"] = message_en
        check["field"] = key
        if exported is None:
            checks.append(check)


def definition_from_xlsform(data: bytes) -> tuple[dict, dict[str, str]]:
    """(definition, settings) from an XLSForm workbook, or FieldErrors({"file": [...]}) listing
    every problem by sheet, row and column. ``settings``: form_title, form_id."""
    sheets, headers = read_sheets(data)
    settings_rows = sheets.get("settings") or []
    settings = {name: cell.value for name, cell in settings_rows[0].cells.items()} if settings_rows else {}
    builder = _Builder(sheets, title=settings.get("form_title", ""))
    for sheet in ("survey", "choices"):
        for cell in other_languages(headers[sheet]) if sheet in headers else []:
            builder.problems.add(
                cell,
                _(
                    "日本語と英語のほかの言語は取り込めません（窓口の手続は日本語と英語で表示します）。"
                    "この列を消すか、列名を「%(column)s::English (en)」にしてから取り込んでください。"
                )
                % {"column": cell.column.partition("::")[0]},
            )
    definition = builder.build()
    if not builder.problems:
        for problem in check_definition(definition):
            builder.problems.add(_("取り込んだ内容"), problem)
    if builder.problems:
        raise FieldErrors({"file": builder.problems.messages})
    return definition, settings
