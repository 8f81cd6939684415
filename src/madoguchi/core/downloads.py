"""Files handed back to people: always as an attachment, named by what the file IS.

An uploaded file's type is sniffed from its content when it arrives (``procedures/uploads.py``)
and stored as ``content_type``. The name the uploader gave is kept for people to recognise, but
its extension is replaced by the one of the sniffed type: a PDF uploaded as ``poly.html`` comes
back as ``poly.pdf``, so no browser or desktop opens it as HTML. Together with
``X-Content-Type-Options: nosniff`` (SecurityMiddleware) and ``Content-Disposition: attachment``
nothing uploaded is ever rendered in our origin; a type outside the known document types is
served as ``application/octet-stream`` (``.bin``). Personal files are never stored by caches.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import IO

from django.http import FileResponse

FALLBACK_TYPE = "application/octet-stream"
# The usual extension of each type we accept (mimetypes' first guess is sometimes odd: .jpe).
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
    "image/webp": ".webp",
    "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "text/calendar": ".ics",
    "application/json": ".json",
    FALLBACK_TYPE: ".bin",
}


def served_type(content_type: str) -> str:
    """The type to serve: one of the known document types, else ``application/octet-stream``
    (never text/html, SVG or anything else a browser would run or render as a page)."""
    base = (content_type or FALLBACK_TYPE).split(";", 1)[0].strip().lower()
    return base if base in EXTENSIONS else FALLBACK_TYPE


def extension_for(content_type: str) -> str:
    return EXTENSIONS[served_type(content_type)]


def download_name(original_name: str, content_type: str, *, default_stem: str = "file") -> str:
    """``original_name`` with the extension of ``content_type`` (the sniffed type) instead of its own."""
    name = PurePosixPath((original_name or "").replace("\\", "/")).name
    stem = name.split(".", 1)[0].strip() or default_stem
    return stem + extension_for(content_type)


def file_download(handle: IO[bytes], *, original_name: str, content_type: str) -> FileResponse:
    """A personal file as an attachment named by its sniffed type, never cached."""
    content_type = served_type(content_type)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(original_name, content_type),
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
