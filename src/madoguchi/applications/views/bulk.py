"""一括提出 pages (under /builder/bulk/, beside the builder): the procedures a staff member may upload for, the upload, the report and confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_required
from madoguchi.applications import bulk
from madoguchi.applications import selectors as applicant_selectors
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures.builder import selectors
from madoguchi.procedures.builder.views.common import download, error_page


@staff_required
def index(request):
    return render(
        request,
        "applications/bulk/index.html",
        {
            "procedures": selectors.bulk_procedures(request.user),
            "uploads": applicant_selectors.my_bulk_uploads(user=request.user),
            "nav": "bulk",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def upload(request, procedure_id: int):
    procedure = selectors.access_bulk_procedure(user=request.user, procedure_id=procedure_id)
    errors: dict[str, list[str]] = {}
    if request.GET.get("template"):
        return download(
            bulk.template_csv(procedure.current_version.definition),
            f"{procedure.slug}-template.csv",
            "text/csv; charset=utf-8",
        )
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            errors["file"] = [_("CSVまたはExcelのファイルを選んでください。")]
        else:
            try:
                upload, created = bulk.bulk_upload_check(
                    actor=request.user, procedure=procedure, file_name=uploaded.name, data=uploaded.read()
                )
            except FieldErrors as exc:
                errors = exc.as_dict()
            except DomainError as exc:
                return error_page(request, exc)
            else:
                if not created:
                    messages.info(
                        request,
                        _(
                            "このファイルは以前にも取り込まれています。前回の結果を表示します（新しい申請は作られません）。"
                        ),
                    )
                return redirect("bulk:result", upload.pk)
    return render(
        request,
        "applications/bulk/upload.html",
        {
            "procedure": procedure,
            "columns": bulk.bulk_columns(procedure.current_version.definition),
            "errors": errors,
            "uploads": procedure.bulk_uploads.filter(uploaded_by=request.user)[:20],
            "nav": "bulk",
        },
        status=422 if errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def result(request, upload_id):
    upload = applicant_selectors.access_bulk_upload(user=request.user, upload_id=upload_id)
    if request.method == "POST":
        try:
            created = bulk.bulk_upload_confirm(actor=request.user, upload=upload)
        except DomainError as exc:
            return error_page(request, exc)
        messages.success(request, _("%(n)s件の申請を提出しました。") % {"n": created})
        return redirect("bulk:result", upload.pk)
    rows = list(upload.rows.select_related("application").order_by("number"))
    return render(
        request,
        "applications/bulk/result.html",
        {
            "upload": upload,
            "bad_rows": [r for r in rows if r.errors],
            "good_rows": [r for r in rows if not r.errors],
            "nav": "bulk",
        },
    )
