"""Procedure catalog API: published public procedures and their current definition.

Public: no sign-in needed. Views only shape input and call one selector.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures import selectors
from madoguchi.procedures.constants import Category
from madoguchi.procedures.schemas import ProcedureDetailOut, ProcedurePage

router = Router(tags=["procedures"])

MAX_PAGE_SIZE = 100


class PageParams(Schema):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


def page_of(queryset: QuerySet, params: PageParams) -> dict[str, Any]:
    """One page of ``queryset`` in the API's page shape (count, page, page_size, pages, items)."""
    count = queryset.count()
    start = (params.page - 1) * params.page_size
    items = list(queryset[start : start + params.page_size]) if start < count else []
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "pages": math.ceil(count / params.page_size) if count else 0,
        "items": items,
    }


class CatalogParams(PageParams):
    q: str = Field("", max_length=200, description="キーワード（スペース区切りですべてを含む）")
    category: str = Field("", max_length=20, description="分類 (health, welfare, …)")
    organization: str = Field("", max_length=50, description="団体のスラッグ")


@router.get("/procedures", response=ProcedurePage, auth=None, summary="手続の一覧（公開中のもの）")
def procedure_list(request, params: Query[CatalogParams]):
    errors: dict[str, list[str]] = {}
    if params.category and params.category not in Category.values:
        errors["category"] = [
            _("分類は次のいずれかを指定してください: %(values)s") % {"values": ", ".join(Category.values)}
        ]
    if "\x00" in params.q + params.organization:
        errors["q" if "\x00" in params.q else "organization"] = [_("使用できない文字が含まれています。")]
    if errors:
        raise FieldErrors(errors)
    queryset = selectors.procedure_catalog(
        query=selectors.CatalogQuery(q=params.q, category=params.category, organization=params.organization)
    )
    queryset = queryset.select_related("current_version").defer("current_version__definition")
    return page_of(queryset, params)


@router.get(
    "/procedures/{organization}/{slug}",
    response=ProcedureDetailOut,
    auth=None,
    summary="手続の詳細と現在公開中の定義",
)
def procedure_detail(request, organization: str, slug: str):
    return selectors.procedure_get_public(org_slug=organization, procedure_slug=slug)
