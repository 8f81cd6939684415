"""Public pages: the catalog ("/") and one procedure's page ("/<org>/<procedure>/")."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from madoguchi.procedures import selectors
from madoguchi.procedures.forms import CatalogSearchForm

PAGE_SIZE = 20


def catalog(request):
    form = CatalogSearchForm(request.GET if request.GET else None)
    query = form.to_query()
    page = Paginator(selectors.procedure_catalog(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "procedures/catalog.html",
        {"form": form, "query": query, "page": page, "page_params": params.urlencode()},
    )


def procedure_detail(request, org_slug: str, procedure_slug: str):
    procedure = selectors.procedure_get_public(org_slug=org_slug, procedure_slug=procedure_slug)
    return render(
        request,
        "procedures/detail.html",
        {
            "procedure": procedure,
            "requirements": selectors.procedure_requirements(procedure),
            "step_count": selectors.procedure_step_count(procedure),
        },
    )
