"""``site_search`` for every page: the header search box searches in the organization the
visitor is looking at (a procedure page's organization, or ``?organization=``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def _scope(request: HttpRequest):
    from madoguchi.knowledge.selectors import organization_by_slug

    match = getattr(request, "resolver_match", None)
    slug = (match.kwargs.get("org_slug") if match else None) or request.GET.get("organization") or ""
    return organization_by_slug(str(slug)[:50]) if slug else None


def site_search(request: HttpRequest) -> dict:
    return {"site_search_organization": SimpleLazyObject(lambda: _scope(request))}
