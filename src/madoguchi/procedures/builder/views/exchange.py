"""Moving procedures in and out of the builder: JSON import (new or into a draft), JSON export,
the CSV data dictionary."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures import exchange, services
from madoguchi.procedures.builder import selectors
from madoguchi.procedures.builder.views.common import (
    download,
    error_page,
    organization_choice,
    to_editor,
)


@staff_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    organizations, organization = organization_choice(request)
    if not organizations:
        raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if organization is None:
            errors["organization"] = [_("団体を選んでください。")]
        elif uploaded is None:
            errors["file"] = [_("書き出したJSONファイルかXLSForm（xlsx）を選んでください。")]
        else:
            try:
                procedure = exchange.procedure_import_file(
                    actor=request.user, organization=organization, data=uploaded.read()
                )
            except FieldErrors as exc:
                errors = exc.as_dict()
            except DomainError as exc:
                return error_page(request, exc)
            else:
                messages.success(request, _("手続を取り込みました。内容を確かめてから公開してください。"))
                return to_editor(procedure)
    return render(
        request,
        "procedures/builder/import.html",
        {"organizations": organizations, "organization": organization, "errors": errors, "nav": "import"},
        status=422 if errors else 200,
    )


@staff_required
def export_json(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    if request.GET.get("source") == "published" and procedure.current_version:
        definition = procedure.current_version.definition
    else:
        definition = services.procedure_draft(procedure=procedure).definition
    return download(
        exchange.export_json(procedure, definition).encode(),
        f"{procedure.slug}.json",
        "application/json; charset=utf-8",
    )


@staff_required
def dictionary_csv(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    definition = services.procedure_draft(procedure=procedure).definition
    return download(
        exchange.data_dictionary_csv(definition),
        f"{procedure.slug}-dictionary.csv",
        "text/csv; charset=utf-8",
    )


@staff_required
@require_POST
def import_into(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("書き出したJSONファイルかXLSForm（xlsx）を選んでください。"))
        return to_editor(procedure)
    try:
        exchange.procedure_import_file_into_draft(
            actor=request.user, procedure=procedure, data=uploaded.read()
        )
    except FieldErrors as exc:
        for found in exc.as_dict().values():
            for message in found:
                messages.error(request, message)
    else:
        messages.success(request, _("ファイルの内容を下書きに読み込みました（「元に戻す」で取り消せます）。"))
    return to_editor(procedure)


@staff_required
def export_xlsform(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    if request.GET.get("source") == "published" and procedure.current_version:
        definition = procedure.current_version.definition
    else:
        definition = services.procedure_draft(procedure=procedure).definition
    return download(
        exchange.export_xlsform(procedure, definition),
        f"{procedure.slug}-xlsform.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
