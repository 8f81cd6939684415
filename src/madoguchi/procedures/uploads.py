"""Upload checks: the type is sniffed from the file's content, never from its name."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from madoguchi.procedures.fields.base import FieldValidationError

DEFAULT_ACCEPT = ["image/jpeg", "image/png", "image/heic", "application/pdf"]
TYPE_LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/heic": "HEIC",
    "image/webp": "WebP",
    "application/pdf": "PDF",
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (xlsx)",
}


def sniff(uploaded: UploadedFile) -> str | None:
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check_upload(uploaded: UploadedFile, spec: dict) -> str:
    """Return the sniffed MIME type or raise FieldValidationError with a plain message."""
    label = spec.get("label") or _("ファイル")
    accept = spec.get("accept") or DEFAULT_ACCEPT
    max_bytes = min(int(spec.get("max_bytes") or settings.MAX_UPLOAD_BYTES), settings.MAX_UPLOAD_BYTES)
    if uploaded.size == 0:
        raise FieldValidationError(_("%(label)s: ファイルが空です。") % {"label": label})
    if uploaded.size > max_bytes:
        raise FieldValidationError(
            _("%(label)s: ファイルが大きすぎます（%(size)s MB）。%(max)s MB 以下にしてください。")
            % {"label": label, "size": f"{uploaded.size / 1048576:.1f}", "max": f"{max_bytes / 1048576:.0f}"}
        )
    mime = sniff(uploaded)
    if mime not in accept:
        allowed = "・".join(TYPE_LABELS.get(t, t) for t in accept)
        raise FieldValidationError(
            _("%(label)s: この種類のファイルは添付できません。%(allowed)s のファイルを選んでください。")
            % {"label": label, "allowed": allowed}
        )
    return mime
