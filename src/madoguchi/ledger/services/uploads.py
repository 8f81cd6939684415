"""Uploads: receive a file, read and check every row in the background, and — only when every
row is right — replace the municipality's snapshot in one transaction (snapshot.py)."""

from __future__ import annotations

import base64
import operator
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.bulkcopy import analyze, copy_rows, model_columns
from madoguchi.core.crypto import decrypt_text, encrypt_text
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.ledger import layout
from madoguchi.ledger.constants import JobKind, JobStatus, SourceKind, UploadStatus
from madoguchi.ledger.models import (
    ROW_DATA_FIELDS,
    ColumnMapping,
    EventMunicipality,
    Job,
    Record,
    RowError,
    StagedRow,
    Upload,
)
from madoguchi.ledger.protect import seal
from madoguchi.ledger.readers import ReadError, Sheet, open_sheet
from madoguchi.ledger.rows import RowReader
from madoguchi.ledger.selectors import EventAccess, access_event, access_upload, municipality_names
from madoguchi.ledger.services.persons import persons_refresh
from madoguchi.ledger.services.rekey import event_rekey_if_stale
from madoguchi.ledger.snapshot import snapshot_apply

CHUNK = 5000
MAX_ERRORS_KEPT = 2000
ANALYZE_AFTER = 1000  # records written by one upload


def _file_purpose(event_id: int) -> str:
    return f"ledger-file:{event_id}"


def _writable(access: EventAccess) -> None:
    if not access.event.accepts_uploads:
        raise DomainError(_("この災害の台帳の受付は締め切られています。"))


def upload_create(
    *, user: User, event_id: Any, organization_id: int | None, name: str, data: bytes
) -> Upload:
    """Store the file (sealed) and queue its reading. Raises FieldErrors for a wrong file."""
    access = access_event(user=user, event_id=event_id)
    organization_id = organization_id or (access.municipality_ids[0] if access.municipality_ids else None)
    if organization_id is None or not access.may_upload_for(int(organization_id)):
        raise FieldErrors({"file": [_("台帳を送れるのは区市町村の台帳担当の方です。")]})
    _writable(access)
    if not data:
        raise FieldErrors({"file": [_("ファイルを選んでください。")]})
    if len(data) > settings.LEDGER_MAX_UPLOAD_BYTES:
        raise FieldErrors(
            {
                "file": [
                    _("ファイルが大きすぎます（上限 %(mb)s MB）。")
                    % {"mb": settings.LEDGER_MAX_UPLOAD_BYTES // 2**20}
                ]
            }
        )
    token = encrypt_text(base64.b64encode(data).decode(), purpose=_file_purpose(access.event.pk))
    with transaction.atomic():
        job = Job.objects.create(
            event=access.event, kind=JobKind.UPLOAD, created_by=user, organization_id=organization_id
        )
        upload = Upload(
            event=access.event,
            organization_id=organization_id,
            job=job,
            original_name=(name or "upload")[:255],
            size=len(data),
            uploaded_by=user,
        )
        upload.sealed_file.save(f"{uuid.uuid4().hex}.sealed", ContentFile(token.encode()), save=False)
        upload.save()
        audit_record(
            actor=user,
            action="ledger.upload_received",
            target=upload,
            after={
                **access.audit_scope(),
                "municipality": organization_id,
                "name": upload.original_name,
                "size": len(data),
            },
        )
        transaction.on_commit(lambda: _enqueue(upload.pk))
    return upload


def _enqueue(upload_id: int) -> None:
    from madoguchi.ledger.tasks import process_upload

    process_upload.delay(upload_id)


def upload_map_columns(*, user: User, event_id: Any, upload_id: Any, mapping: dict[str, str]) -> Upload:
    """Save the on-screen mapping (remembered for this header row) and read the file again."""
    access = access_event(user=user, event_id=event_id)
    upload = access_upload(access=access, upload_id=upload_id)
    if not access.may_upload_for(upload.organization_id):
        raise DomainError(_("列の対応付けは、台帳を送った区市町村の方が行います。"), status=404)
    if upload.status != UploadStatus.NEEDS_MAPPING:
        raise DomainError(_("このファイルは列の対応付けを待っていません。"))
    mapping = {key: value for key, value in mapping.items() if key in layout.COLUMNS_BY_KEY and value}
    errors = layout.check_mapping(upload.headers, mapping)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        ColumnMapping.objects.update_or_create(
            organization_id=upload.organization_id,
            signature=layout.signature(upload.headers),
            defaults={
                "headers": upload.headers,
                "mapping": mapping,
                "created_by": user,
                "updated_at": timezone.now(),
            },
        )
        upload.mapping = mapping
        upload.status = UploadStatus.QUEUED
        upload.save(update_fields=["mapping", "status"])
        Job.objects.filter(pk=upload.job_id).update(status=JobStatus.QUEUED, message="")
        audit_record(actor=user, action="ledger.columns_mapped", target=upload, after={"mapping": mapping})
        transaction.on_commit(lambda: _enqueue(upload.pk))
    return upload


# ---------------------------------------------------------------------------- the background part


def _progress(job_id: int, **fields: Any) -> None:
    Job.objects.filter(pk=job_id).update(**fields)


def _fail(upload: Upload, message: str) -> None:
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.FAILED)
    _progress(upload.job_id, status=JobStatus.FAILED, message=message[:300], finished_at=timezone.now())
    _drop_file(upload)


def _drop_file(upload: Upload) -> None:
    if upload.sealed_file:
        try:
            default_storage.delete(upload.sealed_file.name or "")
        except OSError:
            pass
        Upload.objects.filter(pk=upload.pk).update(sealed_file="")


def upload_process(*, upload_id: int) -> str:
    """Read, check and (when clean) apply one upload. Safe to run twice: a finished upload is
    left alone, an interrupted one starts again from its first row."""
    upload = Upload.objects.select_related("event", "job").filter(pk=upload_id).first()
    if upload is None or upload.status not in (UploadStatus.QUEUED, UploadStatus.RUNNING):
        return "skipped"
    event = upload.event
    if not event.is_writable:
        _fail(upload, _("この災害の台帳は締め切られています。"))
        return "closed"
    StagedRow.objects.filter(upload=upload).delete()
    RowError.objects.filter(upload=upload).delete()
    try:
        token = default_storage.open(upload.sealed_file.name or "").read().decode()
        data = base64.b64decode(decrypt_text(token, purpose=_file_purpose(event.pk)))
        sheet = open_sheet(data)
    except ReadError as exc:
        _fail(upload, exc.message)
        return "failed"
    except (OSError, ValueError):
        _fail(upload, _("ファイルを読み取れませんでした。もう一度送ってください。"))
        return "failed"
    mapping = upload.mapping or _known_mapping(upload, sheet.headers)
    Upload.objects.filter(pk=upload.pk).update(
        file_format=sheet.file_format, encoding=sheet.encoding, headers=sheet.headers
    )
    upload.headers = sheet.headers
    if mapping is None:
        Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.NEEDS_MAPPING)
        _progress(
            upload.job_id,
            status=JobStatus.WAITING,
            message=_("ファイルの列が標準の様式と違います。列の対応付けをしてください。"),
        )
        return "needs_mapping"
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.RUNNING, mapping=mapping)
    _progress(
        upload.job_id,
        status=JobStatus.RUNNING,
        total=sheet.total,
        done=0,
        errors=0,
        started_at=timezone.now(),
    )
    reader = RowReader(
        event_id=event.pk,
        salt=event.key_salt,
        municipality_id=upload.organization_id,
        municipality_names=municipality_names(event.pk),
    )
    valid, errors = stage_rows(
        upload=upload, reader=reader, rows=_cells(sheet, mapping), job_id=upload.job_id
    )
    if errors:
        StagedRow.objects.filter(upload=upload).delete()
        Upload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.HAS_ERRORS,
            rows_total=valid + _rows_with_errors(upload),
            rows_valid=valid,
            error_count=errors,
        )
        _progress(
            upload.job_id,
            status=JobStatus.DONE,
            finished_at=timezone.now(),
            message=_("誤りが %(n)s 件あります。台帳には反映していません。直して送り直してください。")
            % {"n": errors},
        )
        _drop_file(upload)
        return "has_errors"
    upload_apply(upload=upload, rows_total=valid)
    return "applied"


def _known_mapping(upload: Upload, headers: list[str]) -> dict[str, str] | None:
    guessed = layout.guess_mapping(headers)
    if layout.is_complete(guessed):
        return guessed
    remembered = ColumnMapping.objects.filter(
        organization_id=upload.organization_id, signature=layout.signature(headers)
    ).first()
    return dict(remembered.mapping) if remembered else None


def _cells(sheet: Sheet, mapping: dict[str, str]) -> Iterable[tuple[int, dict[str, Any]]]:
    indexes = layout.column_indexes(sheet.headers, mapping)
    keys, positions = list(indexes), list(indexes.values())
    if not positions:
        for number, _cells_of_row in sheet.rows:
            yield number, {}
        return
    needed = max(positions) + 1
    pick = operator.itemgetter(*positions)
    for number, cells in sheet.rows:
        if len(cells) >= needed:  # a whole row: one C call picks every mapped cell
            picked = pick(cells)
            yield number, dict(zip(keys, picked if len(positions) > 1 else (picked,), strict=True))
        else:
            yield number, {key: (cells[i] if i < len(cells) else None) for key, i in indexes.items()}


def _rows_with_errors(upload: Upload) -> int:
    return RowError.objects.filter(upload=upload).values("row_number").distinct().count()


STAGED_COLUMNS = ["upload_id", "row_number", *ROW_DATA_FIELDS]


def stage_rows(
    *, upload: Upload, reader: RowReader, rows: Iterable[tuple[int, dict[str, Any]]], job_id: int | None
) -> tuple[int, int]:
    """Check every row; stage the good ones and keep a message per bad cell. (valid, errors).

    Rows are read in chunks of ``CHUNK``; each chunk's good rows go to the staging table in one
    ``COPY`` (core/bulkcopy.py; ``executemany`` on SQLite), and the job's counters move on."""
    columns = {key: header for key, header in (upload.mapping or {}).items()}
    table = StagedRow._meta.db_table
    db_columns = model_columns(StagedRow, STAGED_COLUMNS)
    seen: dict[str, int] = {}
    staged: list[tuple[Any, ...]] = []
    problems: list[RowError] = []
    valid = errors = done = 0
    kept = 0

    def flush() -> None:
        nonlocal kept
        if staged:
            copy_rows(table=table, columns=db_columns, rows=staged)
            staged.clear()
        if problems:
            room = max(0, MAX_ERRORS_KEPT - kept)
            RowError.objects.bulk_create(problems[:room])
            kept += min(room, len(problems))
            problems.clear()
        if job_id:
            _progress(job_id, done=done, errors=errors)

    upload_id = upload.pk
    row_data = operator.itemgetter(*ROW_DATA_FIELDS)  # a record's values in the staging columns' order
    for number, raw in rows:
        done += 1
        outcome = reader.read(raw)
        key = outcome.values.get("source_key") if not outcome.problems else None
        if key is not None and key in seen:
            outcome.problems.append(_duplicate(key, seen[key]))
        if outcome.problems:
            errors += len(outcome.problems)
            for problem in outcome.problems:
                problems.append(
                    RowError(
                        upload=upload,
                        row_number=number,
                        column=(columns.get(problem.field) or layout.COLUMNS_BY_KEY[problem.field].header)[
                            :100
                        ],
                        field=problem.field,
                        message=problem.message[:300],
                        sealed_value=seal({"v": problem.value}, event_id=upload.event_id)
                        if problem.value
                        else "",
                    )
                )
        else:
            if key is not None:
                seen[key] = number
            valid += 1
            if not errors:  # once a row is wrong nothing is applied: stop staging, keep checking
                staged.append((upload_id, number, *row_data(outcome.values)))
        if done % CHUNK == 0:
            flush()
    flush()
    if valid and not errors:
        analyze(table=table)
    if job_id:
        _progress(job_id, total=max(done, 0))
    return valid, errors


def _duplicate(key: str, first_row: int):
    from madoguchi.ledger.rows import Problem

    return Problem(
        "source_key",
        _("台帳番号「%(key)s」は%(row)s行目と重複しています。") % {"key": key, "row": first_row},
        key,
    )


def upload_apply(*, upload: Upload, rows_total: int) -> None:
    """Replace the municipality's snapshot with the staged rows, atomically, and record the diff."""
    # keys made with another match key never compare equal: bring the event's records to the
    # current key first, batch by batch (nothing to do unless LEDGER_MATCH_KEY changed since)
    event_rekey_if_stale(event_id=upload.event_id)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status == UploadStatus.APPLIED:
            return
        # one snapshot change at a time per municipality (two uploads racing would interleave)
        participant = (
            EventMunicipality.objects.select_for_update()
            .filter(event_id=upload.event_id, organization_id=upload.organization_id)
            .first()
        )
        # checked again under the locks: a key that changed in between is re-keyed here, inside
        # this transaction (rare; then the whole re-keying commits with the snapshot)
        event_rekey_if_stale(event_id=upload.event_id)
        source = upload.source
        diff = snapshot_apply(upload=upload, source=source)
        StagedRow.objects.filter(upload=upload).delete()
        persons_refresh(person_ids=diff.person_ids)
        now = timezone.now()
        Upload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.APPLIED,
            rows_total=rows_total,
            rows_valid=rows_total,
            error_count=0,
            added=diff.added,
            changed=diff.changed,
            removed=diff.removed,
            applied_at=now,
        )
        if participant is not None and source == SourceKind.UPLOAD:
            participant.current_upload_id = upload.pk
            participant.save(update_fields=["current_upload"])
        _progress(
            upload.job_id,
            status=JobStatus.DONE,
            done=rows_total,
            total=rows_total,
            finished_at=now,
            message=_("反映しました（追加 %(a)s 件・変更 %(c)s 件・削除 %(r)s 件）。")
            % {"a": diff.added, "c": diff.changed, "r": diff.removed},
        )
        audit_record(
            actor=upload.uploaded_by or "system",
            action="ledger.snapshot_replaced",
            target=upload,
            after={
                "event": upload.event_id,
                "municipality": upload.organization_id,
                "rows": rows_total,
                "added": diff.added,
                "changed": diff.changed,
                "removed": diff.removed,
            },
        )
    if diff.added + diff.changed + diff.removed >= ANALYZE_AFTER:
        # the next upload's diff joins against these records: give the planner their numbers
        # now rather than when autovacuum comes by (a stale "empty table" makes the joins quadratic)
        analyze(table=Record._meta.db_table)
    _drop_file(upload)
