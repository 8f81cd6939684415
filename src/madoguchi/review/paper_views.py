"""紙決裁の記録: the page at /staff/cases/<id>/paper-decision/ and the stored scan.

Each view parses the request and calls one service or selector (services/paper.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.downloads import file_download
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.review import selectors, services
from madoguchi.review.models import PaperDecision


@staff_required
def paper_decision(request, case_id):
    errors: dict[str, list[str]] = {}
    error_message = ""
    status = 200
    if request.method == "POST":
        try:
            services.case_decide_on_paper(
                user=request.user,
                case_id=case_id,
                outcome=request.POST.get("outcome", ""),
                decided_on=request.POST.get("decided_on", ""),
                signed_by=request.POST.get("signed_by", ""),
                document_number=request.POST.get("document_number", ""),
                reason=request.POST.get("reason", ""),
                scan=request.FILES.get("scan"),
            )
        except FieldErrors as exc:
            errors, status = exc.as_dict(), 422
        except DomainError as exc:
            error_message, status = str(exc.message), exc.status
        else:
            messages.success(request, _("紙の決裁を記録し、案件を完了しました。"))
            return redirect("review:case", case_id)
    case = selectors.access_case(user=request.user, case_id=case_id)
    paper = PaperDecision.objects.filter(case=case).select_related("recorded_by").first()
    allowed = paper is None and services.paper_decision_allowed(user=request.user, case=case)
    if request.method == "GET" and paper is None and not allowed:
        error_message = (
            _("この案件はすでに完了しています。")
            if not case.is_open
            else _("この案件で紙の決裁を記録できるのは、決裁の段階の決裁者（または代決できる人）だけです。")
        )
    return render(
        request,
        "review/paper_decision.html",
        {
            "case": case,
            "paper": paper,
            "allowed": allowed,
            "errors": errors,
            "error_message": error_message,
            "posted": request.POST,
            "today": timezone.localdate(),
            "nav": "queue",
        },
        status=status,
    )


@staff_required
def paper_decision_scan(request, case_id):
    case = selectors.access_case(user=request.user, case_id=case_id)
    paper = PaperDecision.objects.filter(case=case).first()
    if paper is None:
        raise Http404
    return file_download(
        paper.scan.open("rb"), original_name=paper.original_name, content_type=paper.content_type
    )
