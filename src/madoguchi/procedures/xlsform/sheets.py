"""Reading an XLSForm workbook: its sheets as rows of cells that know where they are.

openpyxl reads the workbook (read-only, bounded by ``core/textfiles.open_workbook``); every
cell keeps its sheet, row number, header and column letter so that a problem can be
reported exactly where it is. Column names follow XLSForm: case-insensitive before ``::``,
languages after it (``label::English (en)``, ``label::日本語 (ja)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from madoguchi.core import textfiles
from madoguchi.core.errors import FieldErrors

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 100
NAMESPACE = "madoguchi"
TYPE_COLUMN = f"bind::{NAMESPACE}:type"
# Question types whose options are a list of the choices sheet (edited in Excel, they win).
CHOICE_QUESTIONS = {"select_one", "select_multiple"}
SPEC_COLUMN = f"bind::{NAMESPACE}:spec"


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

    def kind(self) -> tuple[str, str]:
        """The question type (lower case, ``begin group`` spelt ``begin_group``) and its argument
        (``select_one pref`` → ("select_one", "pref"))."""
        head, _sep, argument = self.get("type").strip().partition(" ")
        head = head.lower()
        if head in {"begin", "end"}:  # "begin group", "end repeat"
            second, _sep, argument = argument.strip().partition(" ")
            head = f"{head}_{second.lower()}"
        return head, argument.strip()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def read_sheets(data: bytes) -> tuple[dict[str, list[Row]], dict[str, Row]]:
    """The rows of each sheet (by lower-cased sheet name), with their row numbers and headers;
    and each sheet's header row (its cells are the column names, where they are)."""
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
    headers: dict[str, Row] = {}
    try:
        for sheet in workbook.worksheets:
            name = sheet.title.strip().lower()
            rows: list[Row] = []
            header: list[str] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                texts = [_text(v) for v in values]
                if not header:
                    if any(texts):
                        header = [normalize_header(t) for t in texts]
                        headers[name] = Row(sheet=name, number=number)
                        for index, text in enumerate(texts):
                            if text:
                                headers[name].cells[header[index]] = Cell(
                                    text, name, number, header[index], get_column_letter(index + 1)
                                )
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
    return sheets, headers


def normalize_header(text: str) -> str:
    head, sep, rest = text.partition("::")
    return f"{head.strip().lower()}::{rest.strip()}" if sep else text.strip().lower()


def language_of(column: str) -> str | None:
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


# The columns whose text the importer takes in Japanese and English (``label::English (en)`` …).
TRANSLATED_COLUMNS = ("label", "hint", "required_message", "constraint_message")


def other_languages(header: Row) -> list[Cell]:
    """The header cells of translated columns in a language other than Japanese and English
    (``label::Français (fr)``): the definition has no place for them, so the importer reports them."""
    return [
        cell
        for name, cell in header.cells.items()
        if name.partition("::")[0] in TRANSLATED_COLUMNS and "::" in name and language_of(name) is None
    ]


def texts(row: Row, column: str) -> tuple[str, str]:
    """The Japanese and English text of ``column`` (label, hint …) in ``row``."""
    japanese = english = ""
    for name, cell in row.cells.items():
        if name == column or name.startswith(column + "::"):
            language = language_of(name)
            if language == "ja" and (not japanese or name != column):
                japanese = cell.value
            elif language == "en":
                english = cell.value
    return japanese, english
