"""Checking a table staff upload as a dataset: the Digital Agency's 機械可読性 rules and a
Frictionless Table Schema (docs/opendata.md "Staff-published datasets").

The file (CSV in UTF-8 or Shift_JIS, or an .xlsx workbook) is read through ``core/textfiles.py``.
Every problem is reported with its row and column, so the page can list them next to the file
field; nothing is published unless there is none. What passes is stored as rows (UTF-8 on the
way out, dates ISO 8601, numbers as numbers) with the Table Schema frictionless infers — and a
new version is validated against the schema of the version before it.

The rules (「機械判読に適したデータ」, デジタル庁 / 総務省 checklist), as checked here:

1. one header row: every column has a name, no name twice, no title line above the table;
2. no merged cells and no comments (メモ) in a workbook;
3. one datum per cell: no spaces or line breaks added for layout (leading/trailing blanks,
   newlines), no units or thousands separators in numbers (``1,234``, ``12人``), half-width digits;
4. no 機種依存文字 (①, ㈱, Ⅲ, ㌔ …);
5. no blank rows inside the table, no cells beyond the header's columns, no notes (※, 注,
   出典 …) below it — they belong in the description;
6. dates in ISO 8601 (``2026-04-01``), not ``2026/4/1``, ``令和8年4月1日`` or ``R8.4.1``;
7. 全国地方公共団体コード (a column named …団体コード or 市区町村コード) as 6 digits with a valid
   check digit (JIS X 0401/0402).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.core import textfiles

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_PROBLEMS = 50
CODE_COLUMN = re.compile(r"(団体コード|市区町村コード|都道府県コード|自治体コード)")
NUMBER_WITH_DECORATION = re.compile(
    r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s*(人|件|円|千円|百万円|%|％|世帯|個|台|回|日|時間|km|m|kg|t|棟|戸|箇所|か所|校|歳)$"
)
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
NOT_ISO_DATES = (
    re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$"),
    re.compile(r"^\d{4}\.\d{1,2}\.\d{1,2}$"),
    re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$"),
    re.compile(r"^(明治|大正|昭和|平成|令和)(\d{1,2}|元)年\d{1,2}月\d{1,2}日$"),
    re.compile(r"^[MTSHR]\d{1,2}[./]\d{1,2}[./]\d{1,2}$", re.IGNORECASE),
    re.compile(r"^\d{4}-(\d-\d{1,2}|\d{2}-\d)$"),  # ISO needs two digits: 2026-4-1 is not
)
NOTE_START = ("※", "注", "（注", "(注", "出典", "出所", "備考")
# characters that depend on the machine (circled numbers, Roman numerals, squared units, ㈱)
DEPENDENT_RANGES = ((0x2160, 0x217F), (0x2460, 0x24FF), (0x2776, 0x2793), (0x3200, 0x33FF))


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1 = the header row, as a spreadsheet numbers it; None: the whole file
    column: str | None  # the column's name (or its letter when it has none)
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("%(row)s 行目") % {"row": self.row})
        if self.column:
            where.append(_("「%(column)s」列") % {"column": self.column})
        return ("・".join(where) + ": " if where else "") + self.message


@dataclass
class CheckedTable:
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)  # typed by the schema; None = empty
    schema: dict[str, Any] = field(default_factory=dict)  # a Frictionless Table Schema
    encoding: str = "utf-8"
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # problems beyond MAX_PROBLEMS, not listed

    def add(self, row: int | None, column: str | None, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))
        else:
            self.more_problems += 1

    @property
    def messages(self) -> list[str]:
        out = [str(p) for p in self.problems]
        if self.more_problems:
            out.append(_("ほかに %(n)s 件の問題があります。") % {"n": self.more_problems})
        return out


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def local_government_code_valid(code: str) -> bool:
    """全国地方公共団体コード: five digits and a check digit — the ones digit of 11 minus the
    remainder of (6, 5, 4, 3, 2)·digits ÷ 11 (東京都 130001, 新宿区 131041, 札幌市 011002)."""
    if not re.fullmatch(r"[0-9]{6}", code):
        return False
    total = sum(int(d) * w for d, w in zip(code[:5], (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10 == int(code[5])


def _machine_dependent(text: str) -> str | None:
    for ch in text:
        point = ord(ch)
        if any(lo <= point <= hi for lo, hi in DEPENDENT_RANGES):
            return ch
    return None


# ---------------------------------------------------------------------------- reading


def _cell_text(value: Any) -> str:
    """An Excel value as the text we publish: dates ISO, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_csv(content: bytes, table: CheckedTable) -> list[list[str]] | None:
    import csv
    import io

    try:
        decoded = textfiles.decode_text(content)
    except textfiles.UnreadableFile:
        table.add(None, None, _("文字コードを読み取れません。UTF-8 で保存してください。"))
        return None
    table.encoding = decoded.encoding
    try:
        return [list(row) for row in csv.reader(io.StringIO(decoded.text, newline=""))]
    except csv.Error:
        table.add(None, None, _("CSV として読み取れません（引用符の閉じ忘れなど）。"))
        return None


def _read_xlsx(content: bytes, table: CheckedTable) -> list[list[str]] | None:
    try:
        book = textfiles.open_workbook(content, max_unpacked_bytes=20 * MAX_BYTES, read_only=False)
    except textfiles.WorkbookTooLarge:
        table.add(None, None, _("ファイルが大きすぎます。"))
        return None
    except textfiles.UnreadableFile:
        table.add(None, None, _("Excel ファイル（.xlsx）として読み取れません。"))
        return None
    try:
        sheet = textfiles.first_sheet(book)
        table.encoding = "xlsx"
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        header = rows[0] if rows else []
        for merged in sorted(sheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
            name = header[merged.min_col - 1] if merged.min_col - 1 < len(header) else ""
            table.add(
                merged.min_row,
                name or column_letter(merged.min_col - 1),
                _(
                    "セルが結合されています（%(range)s）。結合を解除し、1 つのセルに 1 つの値を入れてください。"
                )
                % {"range": merged.coord},
            )
        for row in sheet.iter_rows():
            for cell in row:
                if getattr(cell, "comment", None) is not None:
                    name = header[cell.column - 1] if cell.column - 1 < len(header) else ""
                    table.add(
                        cell.row,
                        name or column_letter(cell.column - 1),
                        _("セルにコメント（メモ）があります。説明はデータの説明欄に書いてください。"),
                    )
        if len(book.worksheets) > 1 and any(
            any(v not in (None, "") for v in r)
            for other in book.worksheets[1:]
            for r in other.iter_rows(values_only=True)
        ):
            table.add(
                None,
                None,
                _(
                    "2 枚目以降のシートにもデータがあります。1 つのファイルには 1 つの表だけを入れてください。"
                ),
            )
    finally:
        book.close()
    # trailing empty cells of each row (Excel reports the used range)
    return [_trim(r) for r in rows]


def _trim(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row = row[:-1]
    return row


# ---------------------------------------------------------------------------- the rules


def _check_header(raw: list[list[str]], table: CheckedTable) -> list[str] | None:
    if not raw or not any(raw[0]):
        table.add(1, None, _("1 行目に見出し（項目名）がありません。"))
        return None
    header = raw[0]
    filled = [h for h in header if h.strip()]
    if len(filled) == 1 and len(header) >= 1 and len(raw) > 1 and len(_trim(raw[1])) > 1:
        table.add(
            1,
            None,
            _("1 行目が表題のようです。1 行目は見出しだけにし、表題や説明はデータの説明欄に書いてください。"),
        )
        return None
    seen: set[str] = set()
    for index, name in enumerate(header):
        letter = column_letter(index)
        if not name.strip():
            table.add(1, letter, _("見出しが空です。すべての列に項目名を付けてください。"))
        elif name != name.strip() or "\n" in name or "\r" in name:
            table.add(1, name.strip(), _("見出しに前後の空白や改行があります。"))
        elif name in seen:
            table.add(1, name, _("同じ見出しが 2 つあります。"))
        seen.add(name)
    if len(header) > MAX_COLUMNS:
        table.add(1, None, _("列が多すぎます（%(n)s 列まで）。") % {"n": MAX_COLUMNS})
    return header


def _check_cell(text: str, row: int, column: str, is_code: bool, table: CheckedTable) -> None:
    if text == "":
        return
    if "\n" in text or "\r" in text:
        table.add(row, column, _("セルの中に改行があります。1 つのセルに 1 つの値を入れてください。"))
    elif text != text.strip() or text.strip(" \u3000") != text:
        table.add(row, column, _("値の前後に空白があります。空白で体裁を整えないでください。"))
    ch = _machine_dependent(text)
    if ch:
        table.add(
            row,
            column,
            _("機種依存文字「%(ch)s」があります。「%(plain)s」のように書いてください。")
            % {"ch": ch, "plain": unicodedata.normalize("NFKC", ch)},
        )
    plain = text.strip()
    if is_code:
        if not local_government_code_valid(plain):
            table.add(
                row,
                column,
                _(
                    "全国地方公共団体コードは検査数字を含む 6 桁の半角数字です（例: 東京都 130001）。"
                    "「%(value)s」は正しくありません。"
                )
                % {"value": plain},
            )
        return
    if NUMBER_WITH_DECORATION.match(plain) or THOUSANDS.match(plain):
        table.add(
            row,
            column,
            _(
                "数値に単位やカンマが付いています（「%(value)s」）。単位は見出しに書き、数値だけを入れてください。"
            )
            % {"value": plain},
        )
    elif plain != unicodedata.normalize("NFKC", plain) and re.fullmatch(
        r"[+-]?[0-9.,]+", unicodedata.normalize("NFKC", plain)
    ):
        table.add(row, column, _("数値は半角数字で入れてください（「%(value)s」）。") % {"value": plain})
    elif any(p.match(plain) for p in NOT_ISO_DATES):
        table.add(
            row,
            column,
            _("日付は西暦の YYYY-MM-DD（例: 2026-04-01）で入れてください（「%(value)s」）。")
            % {"value": plain},
        )


def _check_body(raw: list[list[str]], header: list[str], table: CheckedTable) -> list[list[str]]:
    """The data rows as text, padded to the header; every problem recorded."""
    while raw and not any(v.strip() for v in raw[-1]):
        raw = raw[:-1]  # trailing empty lines
    body = raw[1:]
    if len(body) > MAX_ROWS:
        table.add(None, None, _("行が多すぎます（%(n)s 行まで）。") % {"n": MAX_ROWS})
        return []
    codes = {i for i, name in enumerate(header) if CODE_COLUMN.search(name)}
    names = [h.strip() or column_letter(i) for i, h in enumerate(header)]
    out = []
    for offset, cells in enumerate(body):
        row = offset + 2
        if not any(v.strip() for v in cells):
            table.add(row, None, _("空の行があります。表の途中に空行を入れないでください。"))
            continue
        first = cells[0].strip() if cells else ""
        if first.startswith(NOTE_START) and not any(v.strip() for v in cells[1:]):
            table.add(row, None, _("注記の行があります。注記や出典はデータの説明欄に書いてください。"))
            continue
        if len(_trim(list(cells))) > len(header):
            table.add(
                row,
                column_letter(len(header)),
                _("見出しのない列に値があります。表の外にメモを書かないでください。"),
            )
            continue
        if len(cells) < len(header) and table.encoding != "xlsx":
            table.add(row, None, _("列の数が見出しより少なくなっています。"))
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))
        for index, text in enumerate(cells[: len(header)]):
            _check_cell(text, row, names[index], index in codes, table)
        out.append(cells[: len(header)])
    if not out and not table.problems:
        table.add(None, None, _("データの行がありません。"))
    return out


# ---------------------------------------------------------------------------- Table Schema


def _frictionless(
    header: list[str], body: list[list[str]], schema: dict[str, Any] | None, table: CheckedTable
):
    """Validate with frictionless (against ``schema`` when given, else the one it infers);
    returns the schema descriptor."""
    from frictionless import Resource, Schema

    codes = {name for name in header if CODE_COLUMN.search(name)}
    if schema is None:
        resource = Resource(data=[header, *body])
        resource.infer()
        inferred = resource.schema.to_descriptor()
        for f in inferred.get("fields", []):
            if f["name"] in codes:
                f["type"] = "string"  # leading zeros (011002) are part of the code
            if f.get("type") not in ("integer", "number", "date", "string", "boolean", "datetime", "year"):
                f["type"] = "string"
        schema = {"fields": inferred.get("fields", []), "missingValues": [""]}
    else:
        wanted = [f["name"] for f in schema.get("fields", [])]
        if wanted != header:
            table.add(
                1,
                None,
                _("見出しが前の版と違います。前の版の見出し: %(names)s") % {"names": "、".join(wanted)},
            )
            return schema
    resource = Resource(data=[header, *body], schema=Schema.from_descriptor(schema))
    report = resource.validate()
    labels = {
        "type-error": _("値が列の型（%(type)s）に合いません: 「%(value)s」"),
        "constraint-error": _("値が列の条件に合いません: 「%(value)s」"),
    }
    types = {f["name"]: f["type"] for f in schema["fields"]}
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            name = getattr(error, "field_name", None)
            template = labels.get(error.type)
            if template:
                message = template % {"type": _type_label(types.get(name or "", "")), "value": error.cell}
            else:
                message = _("表の形に問題があります（%(type)s）。") % {"type": error.type}
            table.add(row, name, message)
    return schema


def _type_label(type_name: str) -> str:
    return {
        "integer": _("整数"),
        "number": _("数値"),
        "date": _("日付 YYYY-MM-DD"),
        "datetime": _("日時"),
        "boolean": _("真偽値"),
        "year": _("西暦年"),
    }.get(type_name, _("文字列"))


def _typed(value: str, type_name: str) -> Any:
    if value == "":
        return None
    if type_name in ("integer", "year"):
        return int(value)
    if type_name == "number":
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return value


def table_check(content: bytes, *, file_name: str, schema: dict[str, Any] | None = None) -> CheckedTable:
    """Read and check an uploaded table. ``schema``: the previous version's (a new version must
    keep its columns and types). The result's ``problems`` is empty when it may be published."""
    table = CheckedTable()
    if len(content) > MAX_BYTES:
        table.add(None, None, _("ファイルが大きすぎます（10 MB まで）。"))
        return table
    lower = file_name.lower()
    if textfiles.is_old_excel(content) or lower.endswith(".xls"):
        table.add(None, None, _("古い Excel 形式（.xls）は読めません。.xlsx か CSV で保存してください。"))
        return table
    if textfiles.is_xlsx(content):
        raw = _read_xlsx(content, table)
    elif lower.endswith((".csv", ".txt")) or not lower.rpartition(".")[1]:
        raw = _read_csv(content, table)
    else:
        table.add(None, None, _("CSV か Excel（.xlsx）のファイルを選んでください。"))
        return table
    if raw is None:
        return table
    header = _check_header(raw, table)
    if header is None:
        return table
    body = _check_body(raw, header, table)
    if table.problems:
        return table
    table.schema = _frictionless(header, body, schema, table)
    if table.problems:
        return table
    types = [f["type"] for f in table.schema["fields"]]
    table.header = header
    table.rows = [[_typed(v, t) for v, t in zip(row, types, strict=True)] for row in body]
    return table
