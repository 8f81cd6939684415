"""一括提出 (S2 組合員資格取得届): a CSV or Excel file of rows becomes applications.

1. ``bulk_upload_check`` reads the file (UTF-8, UTF-8 with BOM, Shift_JIS/CP932 or xlsx),
   matches columns to fields (by the column titles of ``bulk_columns`` or by key paths
   such as ``name.family``), validates every row with the procedure's own rules
   (``validate_all``) and stores the result: cleaned values for good rows, messages per
   column for bad ones. Nothing is submitted yet.
2. The uploader reads the report and ``bulk_upload_confirm`` turns every good row into
   an application (``application_submit`` with channel "bulk" and one idempotency key per
   file hash and row).

The same file uploaded again (same SHA-256 for the same procedure) creates nothing new:
the earlier upload is returned. Confirming twice submits nothing twice. Values of
sensitive fields (マイナンバー) are never stored in clear: good rows keep the encrypted
cleaned value, bad rows keep no value for them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Membership, Organization
from madoguchi.accounts.types import User
from madoguchi.applications.constants import BulkStatus, Channel
from madoguchi.applications.models import BulkRow, BulkUpload, Draft
from madoguchi.applications.services import application_submit_with_result
from madoguchi.audit.services import audit_record
from madoguchi.core import textfiles
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.procedures.builder.selectors import bulk_can_upload
from madoguchi.procedures.fields import ValidationContext, get_field_type, type_of
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.normalize import loose_key
from madoguchi.procedures.validation import iter_fields, validate_all

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Cells read at most (empty ones too), and what an xlsx may unpack to: bounds time and memory.
MAX_CELLS = 300_000
MAX_XLSX_UNPACKED_BYTES = 60 * 1024 * 1024
# what the upload page says it read (BulkUpload.encoding)
ENCODING_NAMES = {("utf-8", False): "UTF-8", ("utf-8", True): "UTF-8 (BOM)", ("cp932", False): "Shift_JIS"}


@dataclass(frozen=True)
class Column:
    title: str  # what the template CSV's header says, e.g. 氏名（姓）
    path: str  # key or key.part
    key: str
    part: str = ""


def bulk_columns(definition: dict) -> list[Column]:
    """The columns of a bulk file for this definition, in field order."""
    columns = []
    for _step, spec in iter_fields(definition):
        field_type = get_field_type(spec["type"])
        if not field_type.has_value or field_type.computes or not field_type.in_bulk:
            continue
        label = str(spec.get("label") or spec["key"])
        parts = field_type.parts_for(spec)
        if parts:
            for part in parts:
                columns.append(
                    Column(f"{label}（{part.label}）", f"{spec['key']}.{part.name}", spec["key"], part.name)
                )
        else:
            columns.append(Column(label, spec["key"], spec["key"]))
    return columns


def template_csv(definition: dict) -> bytes:
    """An empty file with the header row (UTF-8 with BOM, for Excel)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([c.title for c in bulk_columns(definition)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------- reading


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _too_many_rows() -> FieldErrors:
    return FieldErrors({"file": [_("1つのファイルは%(n)s行までです。") % {"n": MAX_ROWS}]})


def _too_many_cells() -> FieldErrors:
    return FieldErrors(
        {
            "file": [
                _(
                    "ファイルのセルが多すぎます（%(n)s個まで）。使っていない行や列を削除するか、ファイルを分けてください。"
                )
                % {"n": f"{MAX_CELLS:,}"}
            ]
        }
    )


def bounded_rows(rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    """The non-empty rows (header first) of a table read lazily, stopping as soon as a limit is passed.

    At most ``MAX_ROWS`` rows after the header and ``MAX_CELLS`` cells read (empty ones
    count: they cost the same to read), so a file that unpacks to millions of cells is
    refused after reading a bounded part of it, not after all of it.
    """
    table: list[list[str]] = []
    cells = 0
    for row in rows:
        cells += len(row)
        if cells > MAX_CELLS:
            raise _too_many_cells()
        values = [_cell(v) for v in row]
        if not any(value.strip() for value in values):
            continue
        table.append(values)
        if len(table) - 1 > MAX_ROWS:
            raise _too_many_rows()
    return table


def _xlsx_rows(data: bytes) -> tuple[Any, Iterator[tuple[Any, ...]]]:
    """(workbook, rows of the first sheet), streamed by openpyxl in read-only mode."""
    try:
        # a few hundred KB that unpack to millions of cells are refused before parsing
        workbook = textfiles.open_workbook(data, max_unpacked_bytes=MAX_XLSX_UNPACKED_BYTES)
        return workbook, textfiles.first_sheet(workbook).iter_rows(values_only=True)
    except textfiles.WorkbookTooLarge:
        raise _too_many_cells() from None
    except textfiles.UnreadableFile:
        raise FieldErrors(
            {"file": [_("Excelファイルを読み取れませんでした。xlsx形式で保存し直してください。")]}
        ) from None


def read_table(data: bytes) -> tuple[list[list[str]], str]:
    """Non-empty rows of cells (header first) and the encoding or format that was read.

    Reading stops early (``bounded_rows``) when a file has more rows or cells than a bulk
    upload may have.
    """
    if textfiles.is_xlsx(data):
        workbook, sheet_rows = _xlsx_rows(data)
        try:
            return bounded_rows(sheet_rows), "xlsx"
        finally:
            workbook.close()
    try:
        decoded = textfiles.decode_text(data)
    except textfiles.UnreadableFile:
        raise FieldErrors(
            {"file": [_("文字コードを判別できませんでした。UTF-8 か Shift_JIS のCSVで保存してください。")]}
        ) from None
    rows = bounded_rows(csv.reader(io.StringIO(decoded.text, newline="")))
    return rows, ENCODING_NAMES[decoded.encoding, decoded.bom]


def _uploader_organization(user: User, procedure: Procedure) -> Organization:
    membership = (
        Membership.objects.filter(user=user, organization__in=procedure.bulk_submitters.all())
        .select_related("organization")
        .first()
    ) or Membership.objects.filter(user=user, organization=procedure.organization).select_related(
        "organization"
    ).first()
    return membership.organization if membership else procedure.organization


# ---------------------------------------------------------------------------- checking


def _row_raw(definition: dict, columns: dict[int, Column], cells: list[str]) -> dict[str, Any]:
    specs = {spec["key"]: spec for _step, spec in iter_fields(definition)}
    raw: dict[str, Any] = {}
    for index, column in columns.items():
        text = cells[index].strip() if index < len(cells) else ""
        spec = specs[column.key]
        if column.part:
            raw.setdefault(column.key, {})[column.part] = text
        else:
            raw[column.key] = get_field_type(spec["type"]).bulk_cell(spec, text)
    return raw


def _column_errors(
    errors: dict[str, list[str]], titles: dict[str, str], labels: dict[str, str]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        title = titles.get(key) or titles.get(key.split(".")[0]) or labels.get(key.split(".")[0]) or key
        out.setdefault(title, []).extend(messages)
    return out


def bulk_upload_check(
    *, actor: User, procedure: Procedure, file_name: str, data: bytes
) -> tuple[BulkUpload, bool]:
    """Read and check a file. Returns (upload, created); an identical earlier file is returned as is."""
    if not bulk_can_upload(actor, procedure):
        raise PermissionDeniedError(_("この手続の一括提出を行う権限がありません。"))
    version = procedure.current_version
    if version is None:
        raise DomainError(_("この手続は公開されていません。"), code="not_published")
    if not data:
        raise FieldErrors({"file": [_("ファイルが空です。")]})
    if len(data) > MAX_BYTES:
        raise FieldErrors({"file": [_("ファイルが大きすぎます（5MBまで）。行を分けて提出してください。")]})
    digest = hashlib.sha256(data).hexdigest()
    existing = BulkUpload.objects.filter(procedure=procedure, file_sha256=digest).first()
    if existing is not None:
        return existing, False
    table, encoding = read_table(data)
    if not table:
        raise FieldErrors(
            {"file": [_("ファイルに行がありません。1行目に見出し、2行目から内容を入れてください。")]}
        )
    definition = version.definition
    columns = bulk_columns(definition)
    by_header = {}
    for column in columns:
        by_header[loose_key(column.title)] = column
        by_header[loose_key(column.path)] = column
    matched: dict[int, Column] = {}
    unknown: list[str] = []
    for index, header in enumerate(table[0]):
        found = by_header.get(loose_key(header))
        if found is None:
            if header.strip():
                unknown.append(header.strip())
        elif found not in matched.values():
            matched[index] = found
    if unknown:
        raise FieldErrors(
            {
                "file": [
                    _(
                        "見出しの「%(names)s」はこの手続の項目にありません。ひな形のCSVの見出しを使ってください。"
                    )
                    % {"names": "」「".join(unknown)}
                ]
            }
        )
    if not matched:
        raise FieldErrors(
            {"file": [_("1行目の見出しがこの手続の項目と一致しません。ひな形のCSVを使ってください。")]}
        )
    titles = {c.path: c.title for c in columns}
    labels = {spec["key"]: str(spec.get("label") or spec["key"]) for _s, spec in iter_fields(definition)}
    sensitive = {
        spec["key"] for _s, spec in iter_fields(definition) if get_field_type(spec["type"]).sensitive
    }
    context = ValidationContext(user=actor, organization_id=version.procedure.organization_id)
    rows: list[BulkRow] = []
    for number, cells in enumerate(table[1:], start=2):
        raw = _row_raw(definition, matched, cells)
        try:
            cleaned = validate_all(definition, raw, context=context)
            rows.append(BulkRow(number=number, data=cleaned, errors={}))
        except FieldErrors as exc:
            shown = {k: v for k, v in raw.items() if k not in sensitive}
            rows.append(
                BulkRow(number=number, data=shown, errors=_column_errors(exc.as_dict(), titles, labels))
            )
    try:
        with transaction.atomic():
            upload = BulkUpload.objects.create(
                procedure=procedure,
                version=version,
                organization=_uploader_organization(actor, procedure),
                uploaded_by=actor,
                file_name=(file_name or "upload.csv")[-255:],
                file_sha256=digest,
                encoding=encoding,
                total_rows=len(rows),
                valid_rows=sum(1 for r in rows if not r.errors),
            )
            for row in rows:
                row.upload = upload
            BulkRow.objects.bulk_create(rows, batch_size=500)
            audit_record(
                actor=actor,
                action="bulk.checked",
                target=upload,
                after={"procedure": procedure.pk, "rows": upload.total_rows, "valid": upload.valid_rows},
            )
    except IntegrityError:  # the same file at the same moment
        return BulkUpload.objects.get(procedure=procedure, file_sha256=digest), False
    return upload, True


MEMBER_NUMBER_KEYS = ("member_number", "staff_number", "employee_number")


def _row_person(*, upload: BulkUpload, data: dict[str, Any]) -> Any:
    """Whom a row is about, so the 受付 notice reaches them and the application is theirs: the
    person registered with the row's 組合員番号 at the procedure's organization, else the account
    of the row's e-mail address (made now if needed: they sign in with the e-mail link). A row
    without either stays the uploader's."""
    from madoguchi.accounts.models import User
    from madoguchi.notifications.models import Member

    for key in MEMBER_NUMBER_KEYS:
        number = str(data.get(key) or "").strip()
        if number:
            member = (
                Member.objects.filter(organization_id=upload.procedure.organization_id, number=number)
                .select_related("user")
                .first()
            )
            if member is not None:
                return member.user
    for _step, item in iter_fields(upload.version.definition):
        field_type = type_of(item)
        if field_type is not None and field_type.is_email and data.get(item["key"]):
            email = User.objects.normalize_email(str(data[item["key"]]).strip())
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email)
                audit_record(
                    actor="bulk", action="user.created", target=user, after={"bulk_upload": str(upload.pk)}
                )
            return user
    return upload.uploaded_by


def bulk_upload_confirm(*, actor: User, upload: BulkUpload) -> int:
    """Submit every good row as an application; returns how many applications were created now."""
    if upload.uploaded_by_id != getattr(actor, "pk", None) and not bulk_can_upload(actor, upload.procedure):
        raise PermissionDeniedError(_("この一括提出を確定する権限がありません。"))
    created = 0
    with transaction.atomic():
        locked = BulkUpload.objects.select_for_update().get(pk=upload.pk)
        for row in locked.rows.filter(errors={}, application__isnull=True).order_by("number"):
            person = _row_person(upload=locked, data=row.data)
            draft = Draft.objects.create(applicant=person, version=locked.version, data=row.data)
            application, was_created = application_submit_with_result(
                draft=draft,
                actor=actor,
                idempotency_key=f"bulk:{locked.file_sha256[:40]}:{row.number}",
                channel=Channel.BULK,
                entered_by=actor,
            )
            if not was_created:
                draft.delete()
            row.application = application
            row.save(update_fields=["application"])
            created += int(was_created)
        if locked.status != BulkStatus.CONFIRMED:
            locked.status = BulkStatus.CONFIRMED
            locked.confirmed_at = timezone.now()
            locked.save(update_fields=["status", "confirmed_at", "updated_at"])
            audit_record(actor=actor, action="bulk.confirmed", target=locked, after={"applications": created})
    upload.refresh_from_db()
    return created
