"""Staff pages under /help/staff/: reports, FAQ editing, synonyms, inquiries, notices.

Members of an organization see and change only their organizations' things; another
organization's FAQ, notice or inquiry answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_required
from madoguchi.accounts.models import Organization
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.core.responses import form_status
from madoguchi.knowledge import selectors, services
from madoguchi.knowledge.constants import InquiryStatus, Visibility
from madoguchi.knowledge.forms import FaqForm, InquiryReplyForm, InquiryStatusForm, NoticeForm, SynonymForm
from madoguchi.knowledge.search.synonyms import builtin_lines

# Logged queries per list that get their nearest FAQ entries by meaning (one embedding each).
NEAREST_ROWS = 10


def _require_staff(request: HttpRequest) -> list[Organization]:
    organizations = list(selectors.staff_organizations(request.user))
    if not organizations:
        raise PermissionDenied
    return organizations


def _require_notice_writer(request: HttpRequest) -> list[Organization]:
    organizations = list(selectors.notice_organizations(request.user))
    if not organizations:
        raise PermissionDenied
    return organizations


@staff_required
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    organizations = _require_staff(request)
    zero_results = list(selectors.zero_result_queries(user=request.user))
    low_clicks = list(selectors.low_click_queries(user=request.user))
    nearest = selectors.nearest_faqs_for_queries(
        user=request.user,
        queries=[r["query"] for r in (zero_results[:NEAREST_ROWS] + low_clicks[:NEAREST_ROWS])],
    )
    for row in zero_results + low_clicks:
        row["nearest"] = [doc for doc, _cosine in nearest.get(row["query"], [])]
    return render(
        request,
        "knowledge/staff/dashboard.html",
        {
            "organizations": organizations,
            "semantic": bool(nearest),
            "zero_results": zero_results,
            "low_clicks": low_clicks,
            "unanswered": selectors.unanswered_chat_questions(user=request.user),
            "due": selectors.faqs_due_for_review(user=request.user)[:20],
            "new_inquiries": selectors.inquiry_list(user=request.user)
            .filter(status=InquiryStatus.NEW)
            .count(),
            "faqs": selectors.faq_staff_recent(user=request.user)[:20],
            "writes_notices": bool(selectors.notice_organization_ids(request.user)),
            "nav": "knowledge",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_faq_edit(request: HttpRequest, faq_id: int | None = None) -> HttpResponse:
    organizations = _require_staff(request)
    faq = selectors.access_staff_faq(user=request.user, faq_id=faq_id) if faq_id is not None else None
    if request.method == "POST":
        form = FaqForm(request.POST, initial={"organization": faq.organization.slug} if faq else None)
    elif faq:
        form = FaqForm(
            initial={
                "organization": faq.organization.slug,
                "question": faq.question,
                "answer": faq.answer,
                "category": faq.category,
                "keywords": faq.keywords,
                "visibility": faq.visibility,
                "review_on": faq.review_on.isoformat() if faq.review_on else "",
                "related_procedures": [str(pk) for pk in faq.related_procedures.values_list("pk", flat=True)],
            }
        )
    else:
        form = FaqForm(initial={"visibility": Visibility.PUBLIC, "organization": organizations[0].slug})
    form.set_organizations(organizations, locked=faq is not None)
    form.set_procedures(selectors.procedures_of(organizations=organizations))
    if request.method == "POST" and form.is_valid():
        organization = form.organization()
        data = form.service_data()
        data["related_procedures"] = [
            p for p in data["related_procedures"] if p.organization_id == getattr(organization, "pk", None)
        ]
        try:
            if organization is None:
                raise FieldErrors({"organization": [_("団体を選んでください。")]})
            if faq:
                faq = services.faq_update(faq=faq, actor=request.user, **data)
            else:
                faq = services.faq_create(organization=organization, actor=request.user, **data)
        except FieldErrors as exc:
            form.add_service_errors(exc)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            return redirect("knowledge:faq_detail", faq_id=faq.pk)
    return render(
        request,
        "knowledge/staff/faq_form.html",
        {"faq": faq, "form": form, "revisions": faq.revisions.all()[:10] if faq else []},
        status=form_status(request, form.errors),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_synonyms(request: HttpRequest) -> HttpResponse:
    organizations = _require_staff(request)
    if request.method == "POST" and request.POST.get("delete"):
        synonym = get_object_or_404(
            selectors.synonym_staff_list(user=request.user), pk=request.POST["delete"]
        )
        services.synonym_delete(synonym=synonym, actor=request.user)
        return redirect("knowledge:staff_synonyms")
    if request.method == "POST":
        form = SynonymForm(request.POST)
    else:
        form = SynonymForm(initial={"organization": organizations[0].slug, "bidirectional": True})
    form.set_organizations(organizations)
    if request.method == "POST" and form.is_valid():
        organization = form.organization()
        try:
            if organization is None:
                raise FieldErrors({"organization": [_("団体を選んでください。")]})
            services.synonym_create(
                organization=organization,
                actor=request.user,
                words=form.cleaned_data["words"],
                bidirectional=form.cleaned_data["bidirectional"],
            )
        except FieldErrors as exc:
            form.add_service_errors(exc)
        else:
            return redirect("knowledge:staff_synonyms")
    return render(
        request,
        "knowledge/staff/synonyms.html",
        {
            "synonyms": selectors.synonym_staff_list(user=request.user),
            "builtin_count": sum(1 for line in builtin_lines() if line.strip() and not line.startswith("#")),
            "form": form,
        },
        status=form_status(request, form.errors),
    )


@staff_required
def staff_inquiries(request: HttpRequest) -> HttpResponse:
    """The inquiries queue: 未対応 first, oldest first; filter by status."""
    _require_staff(request)
    status = request.GET.get("status", "")
    return render(
        request,
        "knowledge/staff/inquiries.html",
        {
            "inquiries": selectors.inquiry_queue(user=request.user, status=status),
            "status": status if status in InquiryStatus.values else "",
            "statuses": InquiryStatus.choices,
            "counts": selectors.inquiry_counts(user=request.user),
            "nav": "inquiries",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_inquiry(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    """One inquiry: what was asked (and the chat before it), the answers, answer or change status."""
    _require_staff(request)
    inquiry = selectors.access_staff_inquiry(user=request.user, inquiry_id=inquiry_id)
    form = InquiryReplyForm()
    if request.method == "POST" and request.POST.get("action") == "status":
        status_form = InquiryStatusForm(request.POST)
        if status_form.is_valid():
            services.inquiry_set_status(
                inquiry=inquiry, actor=request.user, status=status_form.cleaned_data["status"]
            )
            messages.success(request, _("状態を変更しました。"))
        return redirect("knowledge:staff_inquiry", inquiry_id=inquiry.pk)
    if request.method == "POST":
        form = InquiryReplyForm(request.POST)
        if form.is_valid():
            try:
                services.inquiry_answer(inquiry=inquiry, actor=request.user, body=form.cleaned_data["body"])
            except FieldErrors as exc:
                form.add_service_errors(exc)
            except PermissionDeniedError as exc:
                raise PermissionDenied(str(exc)) from exc
            else:
                messages.success(
                    request, _("回答を送りました。お問い合わせの方のメールボックスとメールに届きます。")
                )
                return redirect("knowledge:staff_inquiry", inquiry_id=inquiry.pk)
    return render(
        request,
        "knowledge/staff/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "form": form,
            "status_form": InquiryStatusForm(initial={"inquiry": inquiry.pk, "status": inquiry.status}),
            "nav": "inquiries",
        },
        status=form_status(request, form.errors),
    )


# --- notices (お知らせ) ----------------------------------------------------------------------
@staff_required
def staff_notices(request: HttpRequest) -> HttpResponse:
    _require_notice_writer(request)
    return render(
        request,
        "knowledge/staff/notices.html",
        {"notices": selectors.notice_staff_list(user=request.user)[:200], "now": timezone.now()},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_notice_edit(request: HttpRequest, notice_id: int | None = None) -> HttpResponse:
    organizations = _require_notice_writer(request)
    notice = selectors.access_staff_notice(user=request.user, notice_id=notice_id) if notice_id else None
    if request.method == "POST":
        form = NoticeForm(
            request.POST, initial={"organization": notice.organization.slug} if notice else None
        )
    elif notice:
        form = NoticeForm(
            initial={
                "organization": notice.organization.slug,
                "title": notice.title,
                "body": notice.body,
                "visibility": notice.visibility,
            }
        )
    else:
        form = NoticeForm(initial={"organization": organizations[0].slug, "visibility": Visibility.PUBLIC})
    form.set_organizations(organizations, locked=notice is not None)
    if request.method == "POST" and form.is_valid():
        try:
            if notice:
                notice = services.notice_update(notice=notice, actor=request.user, **form.service_data())
                messages.success(request, _("お知らせを保存しました。"))
            else:
                organization = form.organization()
                if organization is None:
                    raise FieldErrors({"organization": [_("団体を選んでください。")]})
                publish = request.POST.get("action") == "publish"
                notice = services.notice_create(
                    organization=organization, actor=request.user, publish=publish, **form.service_data()
                )
                messages.success(
                    request,
                    _("お知らせを公開しました。") if publish else _("お知らせを下書きとして保存しました。"),
                )
        except FieldErrors as exc:
            form.add_service_errors(exc)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            return redirect("knowledge:staff_notices")
    return render(
        request,
        "knowledge/staff/notice_form.html",
        {"notice": notice, "form": form},
        status=form_status(request, form.errors),
    )


@staff_required
@require_http_methods(["POST"])
def staff_notice_publish(request: HttpRequest, notice_id: int) -> HttpResponse:
    _require_notice_writer(request)
    notice = selectors.access_staff_notice(user=request.user, notice_id=notice_id)
    if request.POST.get("action") == "unpublish":
        services.notice_unpublish(notice=notice, actor=request.user)
        messages.success(request, _("「%(title)s」の公開をやめました。") % {"title": notice.title})
    else:
        services.notice_publish(notice=notice, actor=request.user)
        messages.success(request, _("「%(title)s」を公開しました。") % {"title": notice.title})
    return redirect("knowledge:staff_notices")


@staff_required
@require_http_methods(["GET", "POST"])
def staff_notice_delete(request: HttpRequest, notice_id: int) -> HttpResponse:
    _require_notice_writer(request)
    notice = selectors.access_staff_notice(user=request.user, notice_id=notice_id)
    if request.method == "POST":
        services.notice_delete(notice=notice, actor=request.user)
        messages.success(request, _("「%(title)s」を削除しました。") % {"title": notice.title})
        return redirect("knowledge:staff_notices")
    return render(request, "knowledge/staff/notice_delete.html", {"notice": notice})
