"""An XLSForm workbook (survey / choices / settings sheets) → a Madoguchi definition.

The workbook is read with openpyxl (read-only, bounded); every problem is collected with
its sheet, row and column, and nothing is returned unless there are none (the caller then
creates the procedure in one transaction). See docs/procedures.md, "XLSForm".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from madoguchi.core import textfiles
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.definition import KEY_RE, check_definition
from madoguchi.procedures.fields import registry
from madoguchi.procedures.xlsform.xpath import NotMapped, to_rule, to_xpath

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 100
NAMESPACE = "madoguchi"
TYPE_COLUMN = f"bind::{NAMESPACE}:type"
SPEC_COLUMN = f"bind::{NAMESPACE}:spec"
# XLSForm question types → Madoguchi field types (``bind::madoguchi:type`` may refine them).
QUESTION_TYPES = {
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "note": "info",
    "calculate": "computed",
    "file": "file",
    "image": "file",
    "acknowledge": "consent",
    "select_one": "radio",
    "select_multiple": "checkboxes",
}
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


@dataclass
class Cell:
    value: str
    sheet: str
    row: int
    column: str  # the header, e.g. "relevant"
    letter: str  # the spreadsheet column, e.g. "F"


@dataclass
class Row:
    sheet: str
    number: int
    cells: dict[str, Cell] = field(default_factory=dict)

    def get(self, column: str) -> str:
        cell = self.cells.get(column)
        return cell.value if cell else ""

    def cell(self, column: str) -> Cell | None:
        return self.cells.get(column)


class Problems:
    """Messages by sheet, row and column, in the order found."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: Row | Cell | str, message: str) -> None:
        if isinstance(where, Cell):
            place = _("%(sheet)sシート %(row)s行目 %(letter)s列（%(column)s）") % {
                "sheet": where.sheet,
                "row": where.row,
                "letter": where.letter,
                "column": where.column,
            }
        elif isinstance(where, Row):
            place = _("%(sheet)sシート %(row)s行目") % {"sheet": where.sheet, "row": where.number}
        else:
            place = where
        self.messages.append(f"{place}: {message}")

    def __bool__(self) -> bool:
        return bool(self.messages)


# ---------------------------------------------------------------------------- reading


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def read_sheets(data: bytes) -> dict[str, list[Row]]:
    """The rows of each sheet (by lower-cased sheet name), with their row numbers and headers."""
    if len(data) > MAX_BYTES:
        raise FieldErrors({"file": [_("ファイルが大きすぎます（2MBまで）。")]})
    try:
        workbook = textfiles.open_workbook(data)  # core/textfiles.py
    except textfiles.UnreadableFile:
        raise FieldErrors(
            {
                "file": [
                    _("XLSForm（xlsx）として読み取れませんでした。Excelでxlsx形式で保存し直してください。")
                ]
            }
        ) from None
    sheets: dict[str, list[Row]] = {}
    try:
        for sheet in workbook.worksheets:
            name = sheet.title.strip().lower()
            rows: list[Row] = []
            header: list[str] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                texts = [_text(v) for v in values]
                if not header:
                    if any(texts):
                        header = [_normalize_header(t) for t in texts]
                    continue
                if not any(texts):
                    continue
                if len(rows) >= MAX_ROWS:
                    raise FieldErrors(
                        {
                            "file": [
                                _("%(sheet)sシートの行が多すぎます（%(n)s行まで）。")
                                % {"sheet": name, "n": MAX_ROWS}
                            ]
                        }
                    )
                row = Row(sheet=name, number=number)
                for index, text in enumerate(texts):
                    if index < len(header) and header[index] and text:
                        row.cells[header[index]] = Cell(
                            text, name, number, header[index], get_column_letter(index + 1)
                        )
                rows.append(row)
            sheets[name] = rows
    finally:
        workbook.close()
    return sheets


def _normalize_header(text: str) -> str:
    head, sep, rest = text.partition("::")
    return f"{head.strip().lower()}::{rest.strip()}" if sep else text.strip().lower()


def _language(column: str) -> str | None:
    """ "label::English (en)" → "en"; "label::日本語 (ja)" / plain "label" → "ja"; others → None."""
    _head, sep, name = column.partition("::")
    if not sep:
        return "ja"
    lowered = name.lower()
    code = re.search(r"\(([a-z]{2})(?:-[a-z]+)?\)", lowered)
    if (code and code[1] == "en") or lowered in {"en", "english"} or "english" in lowered or "英語" in name:
        return "en"
    if (
        (code and code[1] == "ja")
        or lowered in {"ja", "japanese"}
        or "japanese" in lowered
        or "日本語" in name
    ):
        return "ja"
    return None


def _texts(row: Row, column: str) -> tuple[str, str]:
    """The Japanese and English text of ``column`` (label, hint …) in ``row``."""
    japanese = english = ""
    for name, cell in row.cells.items():
        if name == column or name.startswith(column + "::"):
            language = _language(name)
            if language == "ja" and (not japanese or name != column):
                japanese = cell.value
            elif language == "en":
                english = cell.value
    return japanese, english


# ---------------------------------------------------------------------------- building


@dataclass
class _Scope:
    names: dict[str, str] = field(default_factory=dict)  # XLSForm name → rule path
    repeat: str | None = None


class _Builder:
    def __init__(self, sheets: dict[str, list[Row]]):
        self.sheets = sheets
        self.problems = Problems()
        self.choices: dict[str, list[dict]] = {}
        self.choice_rows: dict[str, Row] = {}
        self.paths: dict[str, str] = {}  # every name → rule path ("family.age" inside a repeat)
        self.steps: list[dict] = []

    # -- choices ------------------------------------------------------------------

    def read_choices(self) -> None:
        for row in self.sheets.get("choices", []):
            list_name, value = row.get("list_name") or row.get("list name"), row.get("name")
            if not list_name or not value:
                self.problems.add(row, _("list_name と name を入れてください。"))
                continue
            label, label_en = _texts(row, "label")
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
            self.choice_rows.setdefault(list_name, row)

    # -- survey -------------------------------------------------------------------

    def build(self) -> dict:
        survey = self.sheets.get("survey")
        if not survey:
            self.problems.add("survey", _("survey シートがありません。"))
            return {"steps": []}
        self.read_choices()
        self.collect_names(survey)
        step: dict | None = None
        loose: dict | None = None  # questions outside any group
        repeat: dict | None = None
        depth = 0
        for row in survey:
            kind, _sep, argument = row.get("type").partition(" ")
            kind = kind.strip().lower()
            argument = argument.strip()
            if kind in {"begin_group", "begin group"}:
                depth += 1
                if repeat is not None:
                    self.problems.add(row, _("繰り返しの中のグループは取り込めません。"))
                elif depth == 1:
                    step = self.new_step(row)
                    loose = None
                elif row.get("relevant"):
                    self.problems.add(
                        row.cell("relevant"), _("入れ子のグループの relevant は取り込めません。")
                    )
                continue
            if kind in {"end_group", "end group"}:
                depth = max(0, depth - 1)
                if depth == 0:
                    step = None
                continue
            if kind in {"begin_repeat", "begin repeat"}:
                if repeat is not None:
                    self.problems.add(row, _("繰り返しの中の繰り返しは取り込めません。"))
                    continue
                repeat = self.new_field(row, "group")
                if repeat is not None:
                    repeat["fields"] = []
                    self.repeat_count(row, repeat)
                    target = step or loose or self.loose_step(row)
                    if step is None:
                        loose = target
                    target["fields"].append(repeat)
                continue
            if kind in {"end_repeat", "end repeat"}:
                repeat = None
                continue
            if not kind or kind in METADATA_TYPES:
                continue
            spec = self.question(row, kind, argument, inside_repeat=repeat is not None)
            if spec is None:
                continue
            if repeat is not None:
                repeat["fields"].append(spec)
                continue
            target = step or loose or self.loose_step(row)
            if step is None:
                loose = target
            target["fields"].append(spec)
            constraint = self.constraint(row, spec)
            if constraint:
                target.setdefault("checks", []).append(constraint)
        return {"steps": self.steps}

    def collect_names(self, survey: list[Row]) -> None:
        repeat: str | None = None
        for row in survey:
            kind = row.get("type").split(" ")[0].strip().lower()
            name = row.get("name")
            if kind in {"begin_repeat", "begin repeat"}:
                repeat = name
                self.paths[name] = name
            elif kind in {"end_repeat", "end repeat"}:
                repeat = None
            elif name and kind not in {"begin_group", "begin group", "end_group", "end group"}:
                self.paths[name] = f"{repeat}.{name}" if repeat else name

    def resolve(self, name: str) -> str:
        if name not in self.paths:
            raise NotMapped(_("「${%(name)s}」という項目はありません") % {"name": name})
        return self.paths[name]

    def rule(
        self,
        cell: Cell | None,
        *,
        current: str | None = None,
        inside_repeat: str | None = None,
        exported: str | None = None,
    ) -> str | None:
        """The rule for an XPath cell. ``exported``: the exact rule our export wrote beside it
        (``bind::madoguchi:spec``); kept as is while the cell still says what export wrote."""
        if cell is None:
            return None
        if exported is not None and to_xpath(exported, current=current) == cell.value:
            return exported

        def resolve(name: str) -> str:
            path = self.resolve(name)
            if inside_repeat and path.startswith(inside_repeat + "."):
                return path.split(".", 1)[1]
            return path

        try:
            return to_rule(cell.value, resolve=resolve, current=current)
        except NotMapped as exc:
            self.problems.add(cell, _("式を取り込めません（%(reason)s）。") % {"reason": exc})
            return None

    def new_step(self, row: Row) -> dict:
        key = row.get("name")
        if not KEY_RE.fullmatch(key or ""):
            self.problems.add(
                row.cell("name") or row, _("グループの name は英字で始まる英数字と _ にしてください。")
            )
        title, title_en = _texts(row, "label")
        base = self.spec_json(row)
        step: dict[str, Any] = {**base, "key": key, "title": title or key, "fields": []}
        if title_en:
            step["title_en"] = title_en
        relevant = row.cell("relevant")
        if relevant is not None:
            rule = self.rule(relevant, exported=_expr(base.get("show_if")))
            if rule:
                self.keep_or_set(step, "show_if", rule)
        self.steps.append(step)
        return step

    def loose_step(self, row: Row) -> dict:
        title = self.title or _("入力")
        step = {"key": f"step{len(self.steps) + 1}", "title": title, "fields": []}
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
        label, label_en = _texts(row, "label")
        if registry[type_id].has_value:
            spec["label"] = label or base.get("label") or key
        for source, target in (("label", "label_en"), ("hint", "help_en")):
            _ja, english = _texts(row, source)
            if english:
                spec[target] = english
        hint, _en = _texts(row, "hint")
        if hint:
            spec["help"] = hint
        return spec

    def repeat_count(self, row: Row, spec: dict) -> None:
        cell = row.cell("repeat_count")
        if cell is None:
            return
        if cell.value.isdigit():
            count = int(cell.value)
            spec["validation"] = {**spec.get("validation", {}), "min_items": count, "max_items": count}
        else:
            self.problems.add(cell, _("repeat_count は数字だけ取り込めます。"))

    def question(self, row: Row, kind: str, argument: str, *, inside_repeat: bool) -> dict | None:
        if kind not in QUESTION_TYPES:
            self.problems.add(
                row.cell("type") or row, _("種類「%(type)s」は取り込めません。") % {"type": kind}
            )
            return None
        type_id = QUESTION_TYPES[kind]
        appearance = row.get("appearance").lower()
        if type_id == "text" and "multiline" in appearance:
            type_id = "textarea"
        if type_id == "radio" and "minimal" in appearance:
            type_id = "select"
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
        repeat_name = None
        if inside_repeat:
            repeat_name = self.paths.get(spec["key"], "").split(".")[0] or None
        if kind in {"select_one", "select_multiple"}:
            list_name = argument.split(" ")[0]
            if list_name not in self.choices:
                self.problems.add(
                    row.cell("type") or row,
                    _("選択肢リスト「%(list)s」が choices シートにありません。") % {"list": list_name},
                )
                return None
            if "options" not in spec or type_id in {"radio", "select", "checkboxes"}:
                spec["options"] = [dict(o) for o in self.choices[list_name]]
            self.choice_filter(row, spec)
        if kind == "note":
            text, text_en = _texts(row, "label")
            spec.setdefault("text", text or spec["key"])
            if text_en:
                spec["text_en"] = text_en
            spec.pop("label_en", None)
        if kind == "acknowledge":
            spec.setdefault("statement", spec["label"])
        if kind == "image" and override is None:
            spec.setdefault("accept", IMAGE_TYPES)
        required = row.cell("required")
        if required is not None and registry[type_id].has_value and not registry[type_id].computes:
            if required.value.lower() in YES:
                spec["required"] = True
            elif required.value.lower() not in NO:
                rule = self.rule(required, inside_repeat=repeat_name, exported=_expr(spec.get("required_if")))
                if rule:
                    self.keep_or_set(spec, "required_if", rule)
        message = row.cell("required_message")
        if message is not None:
            spec["required_message"] = message.value
        relevant = row.cell("relevant")
        if relevant is not None:
            if inside_repeat:
                self.problems.add(relevant, _("繰り返しの中の項目の relevant は取り込めません。"))
            else:
                rule = self.rule(relevant, current=spec["key"], exported=_expr(spec.get("show_if")))
                if rule:
                    self.keep_or_set(spec, "show_if", rule)
        calculation = row.cell("calculation")
        if calculation is not None:
            rule = self.rule(calculation, inside_repeat=repeat_name, exported=spec.get("expression"))
            if rule and spec.get("expression") != rule:
                spec["expression"] = rule
            spec.setdefault("format", "number")
        elif type_id == "computed":
            self.problems.add(row, _("calculate には calculation が必要です。"))
        default = row.cell("default")
        if default is not None:
            spec["default"] = default.value
        return spec

    def keep_or_set(self, spec: dict, which: str, rule: str) -> None:
        current = spec.get(which)
        if isinstance(current, dict) and current.get("expr") == rule:
            return
        spec[which] = {"expr": rule}

    def choice_filter(self, row: Row, spec: dict) -> None:
        cell = row.cell("choice_filter")
        if cell is None:
            return
        match = re.fullmatch(r"\s*([A-Za-z_][\w-]*)\s*=\s*\$\{([^}]+)\}\s*", cell.value)
        if not match or match[2] not in self.paths or "." in self.paths[match[2]]:
            self.problems.add(cell, _("choice_filter は「列名=${項目}」の形だけ取り込めます。"))
            return
        spec["choice_filter"] = {"column": match[1], "field": self.paths[match[2]]}

    def constraint(self, row: Row, spec: dict) -> dict | None:
        cell = row.cell("constraint")
        if cell is None:
            return None
        rule = self.rule(cell, current=spec["key"])
        if not rule:
            return None
        message, _en = _texts(row, "constraint_message")
        label = spec.get("label") or spec["key"]
        return {
            "rule": rule,
            "message": message or _("「%(label)s」の内容をご確認ください。") % {"label": label},
            "field": spec["key"],
        }


def _expr(condition: Any) -> str | None:
    if isinstance(condition, dict) and isinstance(condition.get("expr"), str):
        return condition["expr"]
    return None


def definition_from_xlsform(data: bytes) -> tuple[dict, dict[str, str]]:
    """(definition, settings) from an XLSForm workbook, or FieldErrors({"file": [...]}) listing
    every problem by sheet, row and column. ``settings``: form_title, form_id."""
    sheets = read_sheets(data)
    builder = _Builder(sheets)
    settings_rows = sheets.get("settings") or []
    settings = {name: cell.value for name, cell in settings_rows[0].cells.items()} if settings_rows else {}
    builder.title = settings.get("form_title", "")  # type: ignore[attr-defined]
    definition = builder.build()
    if not builder.problems:
        for problem in check_definition(definition):
            builder.problems.add(_("取り込んだ内容"), problem)
    if builder.problems:
        raise FieldErrors({"file": builder.problems.messages})
    return definition, settings
