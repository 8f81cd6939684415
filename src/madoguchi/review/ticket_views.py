"""受験票 pages (S13): the PDF (its applicant, or staff of the case), the check page the QR code
opens (staff, audited), and the procedure's 受験票 setting (owners and admins, next to the
通知書の文面). Each view parses the request and calls one selector or service."""

from __future__ import annotations

import io

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.downloads import file_download
from madoguchi.core.errors import FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.procedures.fields import type_of
from madoguchi.procedures.validation import iter_fields
from madoguchi.review import selectors, services, tickets
from madoguchi.review.models import TicketSetting


def ticket_download(request, ticket_id):
    """The signed 受験票 PDF for its applicant or staff who may see the case (404 for others)."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
    ticket = tickets.access_ticket(user=request.user, ticket_id=ticket_id)
    return file_download(
        io.BytesIO(bytes(ticket.pdf)),
        original_name=f"{ticket.title}_{ticket.number}.pdf",
        content_type="application/pdf",
    )


@staff_required
def ticket_check(request, ticket_id):
    """The QR code's page: whose ticket it is and whether it holds (staff who may see the case)."""
    ticket = tickets.access_ticket(user=request.user, ticket_id=ticket_id, staff_only=True)
    services.ticket_check_record(user=request.user, ticket=ticket)
    context = tickets.ticket_check_page(ticket)
    return render(request, "review/ticket_check.html", {**context, "nav": "queue"})


@staff_required
def ticket_setting(request, procedure_id: int):
    """受験票: whether the procedure issues one, its wording, number prefix and the answers on it."""
    procedure = selectors.notice_procedure(user=request.user, procedure_id=procedure_id)
    setting = TicketSetting.objects.filter(procedure=procedure).first() or TicketSetting(procedure=procedure)
    definition = procedure.current_version.definition if procedure.current_version else {}
    choices = [
        (spec["key"], spec.get("label", spec["key"]))
        for _step, spec in iter_fields(definition)
        if (field_type := type_of(spec)) is not None and field_type.printable
    ]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            "enabled": request.POST.get("enabled") == "1",
            "title": request.POST.get("title", ""),
            "body": request.POST.get("body", ""),
            "number_prefix": request.POST.get("number_prefix", ""),
            "fields": request.POST.getlist("fields"),
        }
        try:
            services.ticket_setting_save(user=request.user, procedure=procedure, **values)
        except FieldErrors as exc:
            errors = exc.as_dict()
            setting.enabled, setting.title, setting.body = values["enabled"], values["title"], values["body"]
            setting.number_prefix, setting.fields = values["number_prefix"], values["fields"]
        else:
            messages.success(request, _("受験票の設定を保存しました。これから受付が済んだ申請に使われます。"))
            return redirect("review:ticket_setting", procedure.pk)
    return render(
        request,
        "review/ticket_setting.html",
        {
            "procedure": procedure,
            "setting": setting,
            "choices": choices,
            "errors": errors,
            "placeholders": tickets.PLACEHOLDERS,
            "default_title": tickets.DEFAULT_TITLE,
            "default_body": tickets.DEFAULT_BODY,
            "nav": "notice_templates",
        },
        status=form_status(request, errors),
    )
