"""JSON shapes of the procedure catalog API (output only; the catalog is read-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema

from madoguchi.procedures.constants import Category


class OrganizationRef(Schema):
    slug: str
    name: str


class DepartmentRef(Schema):
    slug: str
    name: str


class ProcedureSummaryOut(Schema):
    organization: OrganizationRef
    slug: str
    title: str
    summary: str
    category: str
    category_label: str
    version: int
    standard_processing_days: int | None
    allows_proxy: bool

    @staticmethod
    def resolve_category_label(obj) -> str:
        return str(Category(obj.category).label) if obj.category in Category.values else obj.category

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.current_version.number


class VersionOut(Schema):
    number: int
    published_at: datetime | None


class ProcedureDetailOut(Schema):
    organization: OrganizationRef
    department: DepartmentRef | None
    slug: str
    title: str
    summary: str
    description: str
    category: str
    category_label: str
    keywords: str
    standard_processing_days: int | None
    allows_proxy: bool
    contact: str
    version: VersionOut
    definition: dict[str, Any]

    @staticmethod
    def resolve_category_label(obj) -> str:
        return ProcedureSummaryOut.resolve_category_label(obj)

    @staticmethod
    def resolve_version(obj) -> dict[str, Any]:
        return {"number": obj.current_version.number, "published_at": obj.current_version.published_at}

    @staticmethod
    def resolve_definition(obj) -> dict[str, Any]:
        return obj.current_version.definition


class ProcedurePage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[ProcedureSummaryOut]
