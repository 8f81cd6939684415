"""JSON door to the ledger under /api/v1/ledger/: municipalities send their 被災者台帳 file
(multipart ``file``) and follow its progress. Same services as the pages; 404 for events and
uploads that are not yours, 403 without a second factor, 422 with per-field messages."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from ninja import File, Form, Router, Schema, Status, UploadedFile

from madoguchi.accounts.apiauth import require_user
from madoguchi.core.errors import multipart_file_required
from madoguchi.ledger import selectors, services
from madoguchi.ledger.access import api_check
from madoguchi.ledger.selectors import uploads as upload_selectors

router = Router(tags=["ledger"])


class ProblemOut(Schema):
    row: int
    column: str
    message: str


class UploadOut(Schema):
    id: int
    status: str
    municipality: str
    name: str
    created_at: dt.datetime
    rows_total: int
    error_count: int
    added: int
    changed: int
    removed: int
    progress: dict
    progress_page: str
    errors: list[ProblemOut]


def _upload_out(request, access, upload) -> dict:
    upload.job.refresh_from_db()
    _page, rows = upload_selectors.upload_errors(upload=upload, page=1, size=100)
    return {
        "id": upload.pk,
        "status": upload.status,
        "municipality": upload.organization.name,
        "name": upload.original_name,
        "created_at": upload.created_at,
        "rows_total": upload.rows_total,
        "error_count": upload.error_count,
        "added": upload.added,
        "changed": upload.changed,
        "removed": upload.removed,
        "progress": selectors.job_progress(upload.job),
        "progress_page": request.build_absolute_uri(
            reverse("ledger:job", args=[access.event.pk, upload.job_id])
        ),
        "errors": [{"row": r["row"], "column": r["column"], "message": r["message"]} for r in rows],
    }


@router.post(
    "/ledger/events/{event_id}/uploads",
    response={202: UploadOut},
    summary="被災者台帳のファイルを送る（multipart/form-data の file; CSV か .xlsx）",
)
def upload_send(
    request,
    event_id: int,
    file: UploadedFile | None = File(None),  # noqa: B008
    organization: int | None = Form(None),  # noqa: B008
):
    require_user(request)
    user = api_check(request)
    file = multipart_file_required(request, file)
    upload = services.upload_create(
        user=user, event_id=event_id, organization_id=organization, name=file.name or "", data=file.read()
    )
    access = selectors.access_event(user=user, event_id=event_id)
    upload = selectors.access_upload(access=access, upload_id=upload.pk)
    return Status(202, _upload_out(request, access, upload))


@router.get(
    "/ledger/events/{event_id}/uploads/{upload_id}",
    response=UploadOut,
    summary="取り込みの状況と誤り（先頭100件）",
)
def upload_status(request, event_id: int, upload_id: int):
    require_user(request)
    user = api_check(request)
    access = selectors.access_event(user=user, event_id=event_id)
    upload = selectors.access_upload(access=access, upload_id=upload_id)
    return _upload_out(request, access, upload)
