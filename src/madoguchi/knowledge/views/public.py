"""Public pages: the FAQ by category, the site search, one FAQ entry, one notice."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.accounts.models import Organization
from madoguchi.accounts.sessions import staff_viewer
from madoguchi.knowledge import selectors, services
from madoguchi.knowledge.constants import DocType
from madoguchi.knowledge.forms import SearchForm

TYPE_LABELS = {
    DocType.FAQ: gettext_lazy("よくある質問"),
    DocType.PROCEDURE: gettext_lazy("手続"),
    DocType.NOTICE: gettext_lazy("お知らせ"),
}


def organization_param(request: HttpRequest) -> Organization | None:
    slug = (request.GET.get("organization") or "").strip()
    return selectors.organization_by_slug(slug) if slug else None


def faq_index(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category") or ""
    organization = organization_param(request)
    return render(
        request,
        "knowledge/faq_index.html",
        {
            "categories": selectors.faq_categories(user=staff_viewer(request), organization=organization),
            "category": category,
            "faqs": selectors.faq_list(
                user=staff_viewer(request), category=category, organization=organization
            )
            if category
            else [],
        },
    )


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    form.is_valid()
    query = form.cleaned_data.get("q", "")
    doc_type = form.cleaned_data.get("type", "")
    error = ""
    page = None
    log_id = None
    organization = organization_param(request)
    everywhere = bool(request.GET.get("everywhere"))
    if "q" in request.GET and not query:
        error = _("検索する言葉を入力してください。")
    elif len(query) > 200:
        error = _("検索する言葉は200文字以内にしてください。")
    elif query:
        page = selectors.site_search(
            query=query,
            user=staff_viewer(request),
            organization=organization,
            everywhere=everywhere,
            types=[doc_type] if doc_type else None,
            limit=20,
        )
        log_id = services.search_log_query(
            query=query, result_count=len(page.results), organization=organization
        )
    return render(
        request,
        "knowledge/search.html",
        {
            "query": query,
            "doc_type": doc_type,
            "types": selectors.search_types(),
            "type_labels": TYPE_LABELS,
            "page": page,
            "error": error,
            "log_id": log_id,
            "organization": organization,
            "everywhere": everywhere,
        },
    )


def click(request: HttpRequest) -> HttpResponse:
    """Count a click on a search result, then go to it (only to pages of this site)."""
    target = request.GET.get("u") or ""
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        raise Http404
    try:
        log_id = int(request.GET.get("l") or 0)
    except ValueError:
        log_id = 0
    if log_id:
        services.search_log_click(log_id=log_id)
    return HttpResponseRedirect(target)


def faq_detail(request: HttpRequest, faq_id: int) -> HttpResponse:
    faq = selectors.access_faq(user=staff_viewer(request), faq_id=faq_id)
    return render(
        request,
        "knowledge/faq_detail.html",
        {
            "faq": faq,
            "procedures": selectors.faq_related_procedures(faq=faq),
            "can_edit": selectors.is_member(staff_viewer(request), faq.organization),
        },
    )


def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    return render(
        request,
        "knowledge/notice_detail.html",
        {"notice": selectors.notice_access(user=staff_viewer(request), notice_id=notice_id)},
    )
