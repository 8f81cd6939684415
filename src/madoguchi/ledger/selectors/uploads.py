"""The upload page: its problems (row, column, message, what the cell held) and its diff."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator

from madoguchi.core.crypto import DecryptionError
from madoguchi.ledger import layout
from madoguchi.ledger.models import Change, RowError, Upload
from madoguchi.ledger.protect import unseal

PAGE_SIZE = 50


def _value(token: str, event_id: int) -> str:
    try:
        return str(unseal(token, event_id=event_id).get("v", "")) if token else ""
    except (DecryptionError, ValueError):
        return ""


def upload_errors(*, upload: Upload, page: int = 1, size: int = PAGE_SIZE):
    paginator = Paginator(RowError.objects.filter(upload=upload).order_by("row_number", "id"), size)
    current = paginator.get_page(page)
    rows = [
        {
            "row": e.row_number,
            "column": e.column,
            "message": e.message,
            "value": _value(e.sealed_value, upload.event_id),
        }
        for e in current.object_list
    ]
    return current, rows


def upload_error_rows(*, upload: Upload):
    """Every kept problem, for the CSV the municipality fixes its file with."""
    for e in RowError.objects.filter(upload=upload).order_by("row_number", "id").iterator(chunk_size=1000):
        yield [e.row_number, e.column, e.message, _value(e.sealed_value, upload.event_id)]


def upload_changes(*, upload: Upload, kind: str, page: int = 1, size: int = PAGE_SIZE):
    paginator = Paginator(Change.objects.filter(upload=upload, kind=kind).order_by("source_key"), size)
    current = paginator.get_page(page)
    rows: list[dict[str, Any]] = []
    for change in current.object_list:
        try:
            data = unseal(change.payload, event_id=upload.event_id)
        except (DecryptionError, ValueError):
            data = {}
        rows.append(
            {"source_key": change.source_key, "name": data.get("name", ""), "kana": data.get("kana", "")}
        )
    return current, rows


def mapping_rows(upload: Upload) -> list[dict[str, Any]]:
    """One row per standard column: what it is, and the file column chosen (or guessed)."""
    chosen = upload.mapping or layout.guess_mapping(upload.headers)
    return [{"column": column, "selected": chosen.get(column.key, "")} for column in layout.STANDARD_COLUMNS]
