"""Files in the standard layout, written the way municipalities' systems write them (for the
demo, the benchmark and tests): CSV in UTF-8 or Shift_JIS (CP932), or Excel."""

from __future__ import annotations

import csv
import io
from typing import Any

from madoguchi.ledger.layout import STANDARD_COLUMNS

STANDARD_HEADER = [c.header for c in STANDARD_COLUMNS]


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8", header: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header or STANDARD_HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header or STANDARD_HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
