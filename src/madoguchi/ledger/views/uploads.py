from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from madoguchi.core.downloads import file_download
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.ledger import layout, selectors, services
from madoguchi.ledger.constants import ChangeKind, UploadStatus
from madoguchi.ledger.forms import UploadForm
from madoguchi.ledger.selectors import uploads as upload_selectors
from madoguchi.ledger.services.reads import ledger_read_record
from madoguchi.ledger.views.common import int_or_none, ledger_staff_required, page_number, render_event

BOM = "\ufeff"


def csv_response(filename: str, header: list[str], rows) -> FileResponse:
    """CSV in UTF-8 with a BOM, so Excel on Japanese Windows opens it without mojibake; handed
    out as every file is (core.downloads: an attachment, never cached)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return file_download(
        io.BytesIO(buffer.getvalue().encode("utf-8")), original_name=filename, content_type="text/csv"
    )


@ledger_staff_required
def upload_new(request, event_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    if access.is_prefecture:
        from django.http import Http404

        raise Http404
    errors: dict[str, list[str]] = {}
    error_message = ""
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        form.is_valid()
        uploaded = request.FILES.get("file")
        try:
            upload = services.upload_create(
                user=request.user,
                event_id=event_id,
                organization_id=int_or_none(request.POST.get("organization")),
                name=uploaded.name if uploaded else "",
                data=uploaded.read() if uploaded else b"",
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError as exc:
            error_message = str(exc.message)
        else:
            return redirect("ledger:upload", event_id, upload.pk)
    municipalities = [
        p
        for p in access.event.participants.select_related("organization")
        if p.organization_id in access.municipality_ids
    ]
    return render_event(
        request,
        "ledger/upload_new.html",
        access,
        {
            "errors": errors,
            "error_message": error_message,
            "municipalities": municipalities,
            "columns": layout.STANDARD_COLUMNS,
        },
        nav="upload",
        status=422 if errors or error_message else 200,
    )


@ledger_staff_required
def upload_detail(request, event_id, upload_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    upload = selectors.access_upload(access=access, upload_id=upload_id)
    if upload.status in (UploadStatus.QUEUED, UploadStatus.RUNNING):
        return redirect("ledger:job", event_id, upload.job_id)
    if upload.status == UploadStatus.NEEDS_MAPPING and access.may_upload_for(upload.organization_id):
        return redirect("ledger:upload_columns", event_id, upload.pk)
    tab = request.GET.get("show", "")
    page = page_number(request)
    context = {"upload": upload, "tab": tab}
    if upload.status == UploadStatus.HAS_ERRORS:
        context["error_page"], context["error_rows"] = upload_selectors.upload_errors(
            upload=upload, page=page
        )
        ledger_read_record(
            user=request.user,
            access=access,
            what="upload_errors",
            details={"upload": upload.pk, "page": page},
        )
    elif upload.status == UploadStatus.APPLIED and tab in ChangeKind.values:
        context["change_page"], context["change_rows"] = upload_selectors.upload_changes(
            upload=upload, kind=tab, page=page
        )
        ledger_read_record(
            user=request.user,
            access=access,
            what="upload_changes",
            details={"upload": upload.pk, "kind": tab, "page": page},
        )
    return render_event(request, "ledger/upload.html", access, context, nav="upload")


@ledger_staff_required
def upload_errors_csv(request, event_id, upload_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    upload = selectors.access_upload(access=access, upload_id=upload_id)
    ledger_read_record(
        user=request.user, access=access, what="export_upload_errors", details={"upload": upload.pk}
    )
    return csv_response(
        f"errors-{upload.pk}.csv",
        [_("行"), _("列"), _("内容"), _("入力されていた値")],
        upload_selectors.upload_error_rows(upload=upload),
    )


@ledger_staff_required
def upload_columns(request, event_id, upload_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    upload = selectors.access_upload(access=access, upload_id=upload_id)
    errors: dict[str, list[str]] = {}
    error_message = ""
    if request.method == "POST":
        mapping = {c.key: request.POST.get(c.key, "") for c in layout.STANDARD_COLUMNS}
        try:
            services.upload_map_columns(
                user=request.user, event_id=event_id, upload_id=upload.pk, mapping=mapping
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
            upload.mapping = mapping
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            error_message = str(exc.message)
        else:
            messages.success(
                request, _("列の対応を保存しました。同じ見出しのファイルは次から自動で読み取ります。")
            )
            return redirect("ledger:upload", event_id, upload.pk)
    return render_event(
        request,
        "ledger/upload_columns.html",
        access,
        {
            "upload": upload,
            "rows": upload_selectors.mapping_rows(upload),
            "errors": errors,
            "error_message": error_message,
        },
        nav="upload",
        status=422 if errors or error_message else 200,
    )


@ledger_staff_required
def layout_csv(request):
    """The standard layout as an empty CSV (header row only) to start from."""
    return csv_response("hisaisha-daicho-layout.csv", [c.header for c in layout.STANDARD_COLUMNS], [])
