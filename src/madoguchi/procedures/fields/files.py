"""File attachments (receipt photos, certificates …).

The HTML path stores an upload before validation (applications.services →
attachment_create → procedures.uploads.check_upload, which sniffs the type from content).
The stored value then only references the attachment. ``clean`` re-checks every
reference: the attachment must belong to the applicant (``context.attachment_lookup``
only finds their own) and its sniffed type and size must fit this field's spec — so an id
copied from another field, another person or an API call cannot slip through.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    register,
)
from madoguchi.procedures.fields.inputs import BuilderInput
from madoguchi.procedures.uploads import DEFAULT_ACCEPT, TYPE_LABELS, check_upload

EXTENSIONS = {
    "image/jpeg": ".jpg,.jpeg",
    "image/png": ".png",
    "image/heic": ".heic",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1048576:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def max_bytes_for(spec: dict) -> int:
    return min(int(spec.get("max_bytes") or settings.MAX_UPLOAD_BYTES), settings.MAX_UPLOAD_BYTES)


def _attachment_id(raw: Any) -> str:
    if isinstance(raw, dict):
        return str(raw.get("attachment_id") or "")
    if isinstance(raw, str):
        return raw.strip()
    return ""


@register("file")
class FileField(FieldType):
    """Options: ``accept`` (list of MIME types), ``max_bytes``."""

    label = _("ファイル")
    xlsform_question, xlsform_reads = "file", True
    template_name = "procedures/fields/file.html"
    builder_inputs = (
        BuilderInput(
            "accept",
            "choices",
            _("受け付けるファイルの種類（空欄なら画像とPDF）"),
            choices=tuple(TYPE_LABELS.items()),
        ),
        BuilderInput("max_bytes", "int", _("最大サイズ（バイト）")),
    )
    in_bulk = False
    takes_file = True
    printable = False
    options = ("accept", "max_bytes")
    groupable = False

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> Any:
        """The new UploadedFile if one was sent, else the kept attachment reference, else ""."""
        name = prefix + spec["key"]
        uploaded = files.get(name) if files else None
        if uploaded is not None and getattr(uploaded, "name", ""):
            return uploaded
        if post.get(f"{name}.remove"):
            return ""
        keep = (post.get(f"{name}.keep") or "").strip()
        return {"attachment_id": keep} if keep else ""

    def is_empty(self, raw: Any) -> bool:
        if isinstance(raw, UploadedFile):
            return False
        return _attachment_id(raw) == ""

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> dict[str, Any]:
        label = field_label(spec)
        if isinstance(raw, UploadedFile):
            # Only reachable if a caller validates without storing first.
            check_upload(raw, {**spec, "label": label})
            raise FieldValidationError(
                _("%(label)s: ファイルを保存できませんでした。もう一度選んでください。") % {"label": label}
            )
        attachment_id = _attachment_id(raw)
        lookup = context.attachment_lookup
        attachment = lookup(attachment_id) if (lookup and attachment_id) else None
        if attachment is None:
            raise FieldValidationError(
                _("%(label)s: 添付ファイルが見つかりません。もう一度ファイルを選んでください。")
                % {"label": label}
            )
        accept = spec.get("accept") or DEFAULT_ACCEPT
        if attachment.content_type not in accept:
            allowed = "・".join(TYPE_LABELS.get(t, t) for t in accept)
            raise FieldValidationError(
                _("%(label)s: この種類のファイルは添付できません。%(allowed)s のファイルを選んでください。")
                % {"label": label, "allowed": allowed}
            )
        limit = max_bytes_for(spec)
        if attachment.size > limit:
            raise FieldValidationError(
                _("%(label)s: ファイルが大きすぎます（%(size)s）。%(max)s 以下にしてください。")
                % {"label": label, "size": human_size(attachment.size), "max": human_size(limit)}
            )
        return {
            "attachment_id": str(attachment.id),
            "name": attachment.original_name,
            "size": attachment.size,
            "content_type": attachment.content_type,
        }

    def display(self, value: Any, spec: dict) -> str:
        if not isinstance(value, dict) or not value.get("attachment_id"):
            return ""
        name = value.get("name") or str(_("添付ファイル"))
        return f"{name}（{human_size(int(value['size']))}）" if value.get("size") else name

    required_texts = (
        _("%(label)sのファイルを選んでください。"),
        _("「%(label)s」のファイルを選んでください。"),
    )

    def check_spec(self, spec: dict) -> list[str]:
        problems = []
        accept = spec.get("accept")
        if accept is not None and (
            not isinstance(accept, list) or not accept or any(t not in TYPE_LABELS for t in accept)
        ):
            problems.append(
                str(_("accept には次の種類から選んだリストを指定してください: %(types)s"))
                % {"types": ", ".join(TYPE_LABELS)}
            )
        max_bytes = spec.get("max_bytes")
        if max_bytes is not None and (
            not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0
        ):
            problems.append(str(_("max_bytes は正の整数（バイト数）にしてください。")))
        elif max_bytes is not None and max_bytes > settings.MAX_UPLOAD_BYTES:
            problems.append(
                str(_("max_bytes はサイト全体の上限（%(max)s）以下にしてください。"))
                % {"max": human_size(settings.MAX_UPLOAD_BYTES)}
            )
        return problems

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        accept = spec.get("accept") or DEFAULT_ACCEPT
        current = None
        if isinstance(value, dict) and value.get("attachment_id"):
            current = {
                "id": value["attachment_id"],
                "name": value.get("name", ""),
                "size": human_size(int(value["size"])) if value.get("size") else "",
            }
        return {
            "current": current,
            "accept_attr": ",".join([*accept, *[EXTENSIONS[t] for t in accept if t in EXTENSIONS]]),
            "allowed": "・".join(TYPE_LABELS.get(t, t) for t in accept),
            "max_size": human_size(max_bytes_for(spec)),
        }
