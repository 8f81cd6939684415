"""A Madoguchi definition → an XLSForm workbook (survey / choices / settings), with openpyxl.

Standard columns carry what XLSForm tools understand (type, name, label and
``label::English (en)``, hint, required, required_message, relevant, constraint and
constraint_message (a step's check on one field, or a repeat's check on each row), calculation,
default, appearance, choice_filter); ``bind::madoguchi:type`` carries the Madoguchi field type and
``bind::madoguchi:spec`` the rest of the spec as JSON, so that importing the export gives
back exactly the same definition (procedures/tests/xlsform/test_round_trips.py). Steps are groups, repeating groups
are repeats. A rule with no XPath equivalent (age(), days() …) travels only in the JSON.
"""

from __future__ import annotations

import io
import json

from openpyxl import Workbook

from madoguchi.procedures.fields import registry
from madoguchi.procedures.xlsform.expressions import expr_of
from madoguchi.procedures.xlsform.sheets import CHOICE_QUESTIONS, NAMESPACE, SPEC_COLUMN, TYPE_COLUMN
from madoguchi.procedures.xlsform.xpath import to_xpath

NAMESPACE_URI = "https://madoguchi.example/xlsform"
ENGLISH = "English (en)"
SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    f"label::{ENGLISH}",
    "hint",
    f"hint::{ENGLISH}",
    "required",
    "required_message",
    f"required_message::{ENGLISH}",
    "relevant",
    "constraint",
    "constraint_message",
    f"constraint_message::{ENGLISH}",
    "calculation",
    "default",
    "appearance",
    "choice_filter",
    "repeat_count",
    TYPE_COLUMN,
    SPEC_COLUMN,
)
CHOICE_COLUMNS = ("list_name", "name", "label", f"label::{ENGLISH}")
_STANDARD = {"key", "type", "options", "fields"}


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _constraints(owner: dict) -> dict[str, dict[str, str]]:
    """The constraint cells of a step's (or a repeat's) fields: the first check on each field
    that XPath can say, with ``.`` for the field. The checks themselves travel in the JSON."""
    cells: dict[str, dict[str, str]] = {}
    for check in owner.get("checks") or []:
        if not isinstance(check, dict) or not isinstance(check.get("rule"), str):
            continue
        key = check.get("field")
        if not isinstance(key, str) or key in cells:
            continue
        xpath = to_xpath(check["rule"], current=key)
        if xpath is None:
            continue
        cells[key] = {"constraint": xpath, "constraint_message": str(check.get("message") or "")}
        if check.get("message_en"):
            cells[key][f"constraint_message::{ENGLISH}"] = str(check["message_en"])
    return cells


def _question_row(spec: dict, *, choice_rows: list[dict]) -> dict[str, str]:
    type_id = spec["type"]
    field_type = registry.get(type_id)
    # the question that shows the same thing (fields/base.py: xlsform_question); the type travels too
    kind = field_type.xlsform_question if field_type is not None else "text"
    row: dict[str, str] = {"name": spec["key"], TYPE_COLUMN: type_id}
    if kind in CHOICE_QUESTIONS:
        list_name = spec["key"]
        kind = f"{kind} {list_name}"
        for option in spec.get("options") or []:
            choice = {
                "list_name": list_name,
                "name": str(option.get("value")),
                "label": str(option.get("label", "")),
            }
            if option.get("label_en"):
                choice[f"label::{ENGLISH}"] = str(option["label_en"])
            for column, value in (option.get("filter") or {}).items():
                choice[column] = str(value)
            choice_rows.append(choice)
    row["type"] = kind
    if field_type is not None and field_type.xlsform_appearance:
        row["appearance"] = field_type.xlsform_appearance
    if kind == "note":  # a note's label is its text
        row["label"] = str(spec.get("text", ""))
        if spec.get("text_en"):
            row[f"label::{ENGLISH}"] = str(spec["text_en"])
    else:
        row["label"] = str(spec.get("label", ""))
        if spec.get("label_en"):
            row[f"label::{ENGLISH}"] = str(spec["label_en"])
    if spec.get("help"):
        row["hint"] = str(spec["help"])
    if spec.get("help_en"):
        row[f"hint::{ENGLISH}"] = str(spec["help_en"])
    if spec.get("required"):
        row["required"] = "yes"
    required_if = expr_of(spec.get("required_if"))
    if required_if and to_xpath(required_if):
        row["required"] = to_xpath(required_if) or ""
    if spec.get("required_message"):
        row["required_message"] = str(spec["required_message"])
    if spec.get("required_message_en"):
        row[f"required_message::{ENGLISH}"] = str(spec["required_message_en"])
    show_if = expr_of(spec.get("show_if"))
    if show_if and to_xpath(show_if, current=spec["key"]):
        row["relevant"] = to_xpath(show_if, current=spec["key"]) or ""
    if field_type is not None and field_type.computes and spec.get("expression"):
        xpath = to_xpath(str(spec["expression"]))
        if xpath:
            row["calculation"] = xpath
    if "default" in spec:
        row["default"] = str(spec["default"])
    if isinstance(spec.get("choice_filter"), dict):
        row["choice_filter"] = f"{spec['choice_filter']['column']}=${{{spec['choice_filter']['field']}}}"
    rest = {k: v for k, v in spec.items() if k not in _STANDARD}
    row[SPEC_COLUMN] = _json(rest)
    return row


def xlsform_bytes(definition: dict, *, title: str = "", form_id: str = "") -> bytes:
    """The definition as an XLSForm workbook (xlsx bytes)."""
    survey: list[dict[str, str]] = []
    choices: list[dict[str, str]] = []
    for step in definition.get("steps") or []:
        group = {"type": "begin_group", "name": step["key"], "label": str(step.get("title", ""))}
        if step.get("title_en"):
            group[f"label::{ENGLISH}"] = str(step["title_en"])
        show_if = expr_of(step.get("show_if"))
        if show_if and to_xpath(show_if):
            group["relevant"] = to_xpath(show_if) or ""
        group[SPEC_COLUMN] = _json({k: v for k, v in step.items() if k != "fields"})
        survey.append(group)
        constraints = _constraints(step)
        for spec in step.get("fields") or []:
            row = _question_row(spec, choice_rows=choices)
            if row["type"] == "begin_repeat":  # a repeating group (fields/group.py)
                survey.append(row)
                row_constraints = _constraints(spec)
                for sub in spec.get("fields") or []:
                    survey.append(
                        {**_question_row(sub, choice_rows=choices), **row_constraints.get(sub["key"], {})}
                    )
                survey.append({"type": "end_repeat", "name": spec["key"]})
            else:
                survey.append({**row, **constraints.get(spec["key"], {})})
        survey.append({"type": "end_group", "name": step["key"]})
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(list(SURVEY_COLUMNS))
    for row in survey:
        sheet.append([row.get(column, "") for column in SURVEY_COLUMNS])
    extra = sorted({column for row in choices for column in row} - set(CHOICE_COLUMNS))
    choice_sheet = workbook.create_sheet("choices")
    choice_sheet.append([*CHOICE_COLUMNS, *extra])
    for row in choices:
        choice_sheet.append([row.get(column, "") for column in (*CHOICE_COLUMNS, *extra)])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language", "namespaces"])
    settings.append([title, form_id or "madoguchi_form", "日本語 (ja)", f'{NAMESPACE}="{NAMESPACE_URI}"'])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
