"""After submission: my list, receipt (HTML and PDF), status page, 取下げ, attachments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.applications import selectors, services
from madoguchi.applications.constants import WITHDRAWABLE, ApplicationStatus
from madoguchi.applications.forms import WithdrawForm
from madoguchi.applications.pdf import receipt_pdf
from madoguchi.core.downloads import file_download
from madoguchi.core.errors import DomainError


@login_required
def mine(request):
    return render(
        request,
        "applications/mine.html",
        {
            "drafts": selectors.draft_list_rows(user=request.user),
            "applications": selectors.application_list(user=request.user),
        },
    )


def _application_context(application) -> dict[str, Any]:
    received = selectors.was_received(application)
    return {
        "application": application,
        "waiting": application.status == ApplicationStatus.AWAITING_PAYMENT,
        "received": received,
        "procedure": application.procedure,
        # 受付日時 (for one that waited for its fee, when it was paid), else 送信日時
        "received_at": selectors.jst_label(
            selectors.received_at(application) if received else application.submitted_at
        ),
        "proxy_relationship": selectors.proxy_relationship_label(application.proxy_relationship),
    }


@login_required
@never_cache
def receipt(request, application_id):
    application = selectors.access_application(user=request.user, application_id=application_id)
    return render(request, "applications/receipt.html", _application_context(application))


@login_required
@never_cache
def receipt_pdf_view(request, application_id):
    application = selectors.access_application(user=request.user, application_id=application_id)
    if not selectors.was_received(application):
        return redirect("applications:detail", application.pk)  # no 受付票 for what was not received
    response = HttpResponse(receipt_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{application.reference_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def detail(request, application_id):
    """状況照会: current status, public timeline, attachments, answers, 取下げ."""
    application = selectors.access_application(user=request.user, application_id=application_id)
    return render(
        request,
        "applications/detail.html",
        {
            **_application_context(application),
            "events": selectors.public_events(application),
            "attachments": selectors.application_attachments(application),
            "groups": selectors.group_rows(selectors.application_answer_rows(application)),
            "can_withdraw": application.status in WITHDRAWABLE,
            "correction": selectors.open_correction(application),
            "notices": selectors.decision_notices(application),
            "documents": selectors.issued_documents(application),
            "amendments": selectors.amendment_procedures(application),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, application_id):
    """取下げ: a confirmation page with an optional reason, then the status page."""
    application = selectors.access_application(user=request.user, application_id=application_id)
    form = WithdrawForm(request.POST or None)
    error = ""
    if application.status not in WITHDRAWABLE:
        error = _("この申請は取り下げられません（状況: %(status)s）。") % {
            "status": application.get_status_display()
        }
    elif request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("申請を取り下げました。"))
            return redirect("applications:detail", application.pk)
    return render(
        request,
        "applications/withdraw.html",
        {"application": application, "procedure": application.procedure, "form": form, "error": error},
        status=409 if error and request.method == "POST" else 200,
    )


@login_required
def attachment_download(request, attachment_id):
    attachment = selectors.access_attachment(user=request.user, attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return file_download(handle, original_name=attachment.original_name, content_type=attachment.content_type)
