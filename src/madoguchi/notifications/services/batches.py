"""Bulk document delivery: a ZIP of PDFs plus a CSV mapping employee numbers to files.

``delivery_batch_create`` checks the upload and records one row per CSV line (so a bad
file is refused with a message next to the field); ``delivery_batch_process`` then
delivers row by row, each row in its own transaction, so an interrupted batch resumes
where it stopped and a re-run never delivers twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import unicodedata
import uuid
import zipfile
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.core import textfiles
from madoguchi.core.errors import FieldErrors
from madoguchi.notifications.constants import BatchRowStatus, BatchStatus, DocumentKind
from madoguchi.notifications.models import DeliveryBatch, DeliveryBatchRow, Member
from madoguchi.notifications.services.mailbox import mailbox_deliver

NUMBER_COLUMNS = ("employee_number", "number", "職員番号", "組合員番号", "社員番号")
FILE_COLUMNS = ("file", "file_name", "filename", "ファイル名", "ファイル")
TITLE_COLUMNS = ("title", "件名", "表題")


def normalize_number(value: str) -> str:
    """全角 digits and stray spaces are common in hand-made CSVs: compare in NFKC."""
    return unicodedata.normalize("NFKC", value or "").strip()


def _zip_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # no UTF-8 flag: Japanese Windows writes cp932 names
        try:
            name = name.encode("cp437").decode("cp932")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def zip_index(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """File name → entry; each file is reachable by its full path and by its base name."""
    index: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = _zip_name(info)
        index.setdefault(name, info)
        index.setdefault(posixpath.basename(name), info)
    return index


def decode_csv_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM) or Shift_JIS (core/textfiles.py); None when neither."""
    try:
        return textfiles.decode_text(data).text
    except textfiles.UnreadableFile:
        return None


def column_named(header: Sequence[str], names: tuple[str, ...]) -> str | None:
    normalized = {unicodedata.normalize("NFKC", h).strip().lower(): h for h in header}
    for name in names:
        if name in normalized:
            return normalized[name]
    return None


def parse_mapping(data: bytes) -> list[dict[str, str]]:
    """CSV → [{"number", "file", "title"}]; raises FieldErrors on the ``mapping`` field."""
    text = decode_csv_text(data)
    if text is None:
        raise FieldErrors(
            {
                "mapping": [
                    _(
                        "対応表（CSV）の文字コードを読み取れません。UTF-8 または Shift_JIS で保存してください。"
                    )
                ]
            }
        )
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    number_col, file_col, title_col = (
        column_named(header, NUMBER_COLUMNS),
        column_named(header, FILE_COLUMNS),
        column_named(header, TITLE_COLUMNS),
    )
    if number_col is None or file_col is None:
        raise FieldErrors({"mapping": [_("対応表の1行目に「職員番号」と「ファイル名」の列名が必要です。")]})
    rows = []
    for record in reader:
        number = normalize_number(record.get(number_col) or "")
        file_name = unicodedata.normalize("NFC", (record.get(file_col) or "").strip())
        if not number and not file_name:
            continue  # blank line
        rows.append(
            {
                "number": number,
                "file": file_name,
                "title": (record.get(title_col) or "").strip() if title_col else "",
            }
        )
    if not rows:
        raise FieldErrors({"mapping": [_("対応表にデータの行がありません。")]})
    limit = int(getattr(settings, "NOTIFICATION_BATCH_MAX_ROWS", 50000))
    if len(rows) > limit:
        raise FieldErrors(
            {
                "mapping": [
                    _("一度に配信できるのは%(limit)s件までです。分けてアップロードしてください。")
                    % {"limit": limit}
                ]
            }
        )
    return rows


def delivery_batch_create(
    *,
    organization: Organization,
    actor: User,
    title: str,
    archive: UploadedFile | None,
    mapping: UploadedFile | None = None,
    document_kind: str = DocumentKind.PAYSLIP,
    department: Department | None = None,
) -> DeliveryBatch:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("件名を入力してください（例: 2026年11月分 給与明細）。")]
    elif len(title) > 200:
        errors["title"] = [_("件名は200文字以内で入力してください。")]
    if document_kind not in DocumentKind.values:
        errors["document_kind"] = [_("書類の種類を選んでください。")]
    if archive is None:
        errors["archive"] = [_("PDF をまとめた ZIP ファイルを選んでください。")]
    elif not zipfile.is_zipfile(archive):
        errors["archive"] = [_("ZIP ファイルではありません。PDF をまとめた ZIP ファイルを選んでください。")]
    if errors or archive is None:  # no archive is already in ``errors``
        raise FieldErrors(errors)
    archive.seek(0)
    with zipfile.ZipFile(archive) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        max_bytes = int(getattr(settings, "NOTIFICATION_BATCH_MAX_BYTES", 1024 * 1024 * 1024))
        if sum(i.file_size for i in infos) > max_bytes:
            raise FieldErrors(
                {"archive": [_("ZIP を展開した大きさが上限を超えています。分けてアップロードしてください。")]}
            )
        if mapping is not None:
            mapping_bytes = b"".join(mapping.chunks())
        else:
            csvs = [i for i in infos if _zip_name(i).lower().endswith(".csv")]
            if len(csvs) != 1:
                raise FieldErrors(
                    {"mapping": [_("対応表（CSV）を添付するか、ZIP の中に1つだけ入れてください。")]}
                )
            mapping_bytes = zf.read(csvs[0])
    rows = parse_mapping(mapping_bytes)
    archive.seek(0)
    with transaction.atomic():
        batch = DeliveryBatch(
            organization=organization,
            department=department,
            created_by=actor,
            title=title,
            document_kind=document_kind,
            total=len(rows),
        )
        batch.archive.save(f"{batch.id}.zip", archive, save=False)
        batch.save(force_insert=True)
        DeliveryBatchRow.objects.bulk_create(
            DeliveryBatchRow(
                batch=batch,
                line_number=n,
                employee_number=r["number"][:64],
                file_name=r["file"][:255],
                title=r["title"][:200],
            )
            for n, r in enumerate(rows, start=2)  # line 1 is the header
        )
        audit_record(
            actor=actor,
            action="delivery_batch.created",
            target=batch,
            after={"title": title, "rows": len(rows)},
        )
        transaction.on_commit(lambda: _dispatch(batch.pk))
    return batch


def _dispatch(batch_id: uuid.UUID | str) -> None:
    from madoguchi.notifications.tasks import delivery_batch_process_task

    delivery_batch_process_task.delay(str(batch_id))


def delivery_batch_process(*, batch_id: uuid.UUID | str) -> DeliveryBatch:
    """Deliver every pending row. Safe to run again: delivered rows are skipped."""
    DeliveryBatch.objects.filter(pk=batch_id, status=BatchStatus.PENDING).update(
        status=BatchStatus.PROCESSING
    )
    batch = DeliveryBatch.objects.select_related("organization", "created_by").get(pk=batch_id)
    pending = list(batch.rows.filter(status=BatchRowStatus.PENDING))
    members = {
        normalize_number(m.number): m.user
        for m in Member.objects.filter(
            organization=batch.organization, number__in={r.employee_number for r in pending}
        ).select_related("user")
    }
    with batch.archive.open("rb") as handle, zipfile.ZipFile(handle) as zf:
        index = zip_index(zf)
        for row in pending:
            user = members.get(row.employee_number)
            info = index.get(row.file_name)
            with transaction.atomic():
                if not row.employee_number:
                    row.status, row.message = BatchRowStatus.FAILED, _("職員番号が空欄です。")
                elif user is None:
                    row.status, row.message = (
                        BatchRowStatus.UNMATCHED,
                        _("この職員番号の人が登録されていません。"),
                    )
                elif info is None:
                    row.status, row.message = BatchRowStatus.FAILED, _("ZIP の中にこのファイルがありません。")
                else:
                    content = zf.read(info)
                    if not content.startswith(b"%PDF-"):
                        row.status, row.message = BatchRowStatus.FAILED, _("PDF ファイルではありません。")
                    else:
                        row.mailbox_message = mailbox_deliver(
                            user=user,
                            organization=batch.organization,
                            subject=row.title or batch.title,
                            source_key=f"batch:{batch.pk}:{row.line_number}",
                            kind=batch.document_kind,
                            content=content,
                            file_name=posixpath.basename(_zip_name(info)),
                            content_type="application/pdf",
                            actor=batch.created_by,
                        )
                        row.status, row.message = BatchRowStatus.DELIVERED, ""
                row.save(update_fields=["status", "message", "mailbox_message"])
    counts = dict(batch.rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    with transaction.atomic():
        batch.delivered_count = counts.get(BatchRowStatus.DELIVERED, 0)
        batch.unmatched_count = counts.get(BatchRowStatus.UNMATCHED, 0)
        batch.failed_count = counts.get(BatchRowStatus.FAILED, 0)
        batch.status = BatchStatus.DONE
        batch.finished_at = timezone.now()
        batch.save(
            update_fields=["delivered_count", "unmatched_count", "failed_count", "status", "finished_at"]
        )
        audit_record(
            actor="system",
            action="delivery_batch.finished",
            target=batch,
            after={
                "delivered": batch.delivered_count,
                "unmatched": batch.unmatched_count,
                "failed": batch.failed_count,
            },
        )
    return batch


def member_register(
    *, organization: Organization, number: str, user: User, birth_date: dt.date | None = None
) -> Member:
    """Link an employee/member number to a person (idempotent on the number)."""
    member, _created = Member.objects.update_or_create(
        organization=organization,
        number=normalize_number(number),
        defaults={"user": user, "birth_date": birth_date},
    )
    return member
