"""Reading a 被災者台帳 file: CSV (UTF-8 with or without BOM, or Shift_JIS/CP932 as Excel
writes it on Japanese Windows) or Excel (.xlsx, the first sheet, through openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.core import textfiles


class ReadError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    file_format: str  # csv / xlsx
    encoding: str
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number in the file, cells)
    total: int  # data rows (an estimate for Excel files without dimensions)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding: UTF-8 (BOM dropped) when it decodes, else CP932 (core/textfiles.py)."""
    try:
        decoded = textfiles.decode_text(data)
    except textfiles.UnreadableFile:
        raise ReadError(
            _("文字コードを読み取れません。UTF-8 か Shift_JIS（CP932）の CSV で保存してください。")
        ) from None
    return decoded.text, decoded.encoding


def open_sheet(data: bytes) -> Sheet:
    if textfiles.is_xlsx(data):
        return _open_xlsx(data)
    if textfiles.is_old_excel(data):
        raise ReadError(_("古い Excel 形式（.xls）は読めません。.xlsx か CSV で保存してください。"))
    return _open_csv(data)


def _open_csv(data: bytes) -> Sheet:
    text, encoding = decode(data)
    if "\x00" in text[:4096]:
        raise ReadError(_("CSV ファイルとして読み取れません。"))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = next(reader)
    except StopIteration:
        raise ReadError(_("ファイルが空です。")) from None
    except csv.Error:
        raise ReadError(_("CSV ファイルとして読み取れません。")) from None
    headers = [h.strip() for h in headers]
    total = max(0, text.count("\n") - 1 + (0 if text.endswith("\n") else 1))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for cells in reader:
                if "".join(cells).strip():  # a row of blank cells is skipped
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise ReadError(
                _("%(line)s行目を CSV として読み取れません（%(error)s）。")
                % {"line": reader.line_num, "error": exc}
            ) from None

    return Sheet("csv", encoding, headers, rows(), total)


def _open_xlsx(data: bytes) -> Sheet:
    try:
        workbook = textfiles.open_workbook(data)
        sheet = textfiles.first_sheet(workbook)
    except textfiles.UnreadableFile:
        raise ReadError(_("Excel ファイルとして読み取れません。")) from None
    iterator = sheet.iter_rows(values_only=True)
    try:
        first = next(iterator)
    except StopIteration:
        raise ReadError(_("ファイルが空です。")) from None
    headers = [("" if h is None else str(h)).strip() for h in first]
    while headers and not headers[-1]:
        headers.pop()
    total = max(0, (sheet.max_row or 1) - 1)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in enumerate(iterator, start=2):
            if any(c not in (None, "") for c in cells):
                yield number, list(cells)
        workbook.close()

    return Sheet("xlsx", "", headers, rows(), total)
