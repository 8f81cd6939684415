"""Reading the files people export from spreadsheets: CSV text as Japanese offices save it
(UTF-8 with or without a BOM, or Shift_JIS/CP932 as Excel writes it on Japanese Windows) and
Excel workbooks (.xlsx, through openpyxl in read-only mode).

One home for the decoding rules, used by bulk submission (applications/bulk.py), the ledger's
台帳 uploads (ledger/readers.py), the FAQ import (knowledge/importer.py), the mapping file of a
batch of notices (notifications/services/batches.py) and the XLSForm import. Callers turn
``UnreadableFile`` into their own message next to their own field.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

UTF8_BOM = b"\xef\xbb\xbf"
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip file
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls format (not read)


class UnreadableFile(ValueError):
    """The bytes are not text in a known encoding, or not a workbook openpyxl can open."""


class WorkbookTooLarge(UnreadableFile):
    """The workbook unpacks to more than the caller allows (a small zip of millions of cells)."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # "utf-8" or "cp932"
    bom: bool = False  # the UTF-8 text started with a byte-order mark (dropped from ``text``)


def decode_text(data: bytes) -> DecodedText:
    """UTF-8 (a leading BOM dropped) when it decodes, else CP932 (Shift_JIS); UnreadableFile when
    neither does."""
    if data.startswith(UTF8_BOM):
        try:
            return DecodedText(data[len(UTF8_BOM) :].decode("utf-8"), "utf-8", bom=True)
        except UnicodeDecodeError:
            raise UnreadableFile("not UTF-8 after a UTF-8 byte-order mark") from None
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return DecodedText(data.decode("cp932"), "cp932")
    except UnicodeDecodeError:
        raise UnreadableFile("neither UTF-8 nor CP932") from None


def is_xlsx(data: bytes) -> bool:
    return data.startswith(XLSX_MAGIC)


def is_old_excel(data: bytes) -> bool:
    return data.startswith(OLE_MAGIC)


def open_workbook(data: bytes, *, max_unpacked_bytes: int | None = None, read_only: bool = True) -> Workbook:
    """The workbook opened read-only with cell values (not formulas). The caller closes it.

    ``read_only=False`` loads the whole workbook, for callers that must see merged cells and
    comments (read-only sheets do not have them: the open-data upload checks); use it only with
    ``max_unpacked_bytes``. ``max_unpacked_bytes`` refuses (WorkbookTooLarge) before parsing a file whose parts unpack
    to more than that. Any broken zip or XML is UnreadableFile.
    """
    from openpyxl import load_workbook

    if max_unpacked_bytes is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise UnreadableFile("not a zip file") from None
        if unpacked > max_unpacked_bytes:
            raise WorkbookTooLarge(f"unpacks to {unpacked} bytes")
    try:
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any broken zip/xml: one plain message for people
        raise UnreadableFile(f"not a workbook: {exc.__class__.__name__}") from None


def first_sheet(workbook: Workbook) -> Any:
    """The first sheet (read-only: ``iter_rows(values_only=True)`` streams its rows)."""
    try:
        return workbook.worksheets[0]
    except IndexError:
        raise UnreadableFile("a workbook without sheets") from None
