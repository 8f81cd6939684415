"""Reads of the public procedure catalog (screens: catalog, procedure page)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import jaconv
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from madoguchi.accounts.models import Organization
from madoguchi.core import hotpath
from madoguchi.procedures.constants import Category, VersionStatus
from madoguchi.procedures.fields import takes_file, type_of
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.steps import applicable_steps, page_total
from madoguchi.procedures.validation import iter_fields

SEARCH_FIELDS = ("title", "summary", "keywords", "description")
MAX_QUERY_TOKENS = 5
_SPACES = re.compile(r"\s+")


def normalize_query(query: str) -> str:
    """NFKC (全角英数→半角, 半角カナ→全角), lower case, single spaces."""
    value = unicodedata.normalize("NFKC", query or "").lower()
    return _SPACES.sub(" ", value).strip()


def search_variants(token: str) -> set[str]:
    """Spellings of one search word that stored text may use.

    The catalog text is typed by staff, so the same word may be stored in ひらがな or
    カタカナ, in 全角 or 半角. Matching any spelling is enough here; ranking and
    morphological search belong to the knowledge search engine.
    """
    token = normalize_query(token)
    if not token:
        return set()
    hira = jaconv.kata2hira(token)
    kata = jaconv.hira2kata(token)
    variants = {token, hira, kata}
    variants |= {jaconv.z2h(v, kana=True, ascii=False, digit=False) for v in (token, kata)}  # ｶﾀｶﾅ
    wide = jaconv.h2z(token, kana=False, ascii=True, digit=True)  # ＡＢＣ１２
    variants |= {wide, wide.upper()}  # SQLite compares only ASCII case-insensitively
    return {v for v in variants if v}


def _token_filter(token: str) -> Q:
    condition = Q()
    for variant in search_variants(token):
        for field in SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": variant})
    return condition


def public_procedures() -> QuerySet[Procedure]:
    """Procedures anyone may see: public, with a published current version."""
    return Procedure.objects.filter(
        is_public=True,
        current_version__isnull=False,
        current_version__status=VersionStatus.PUBLISHED,
    )


@dataclass(frozen=True)
class CatalogQuery:
    q: str = ""
    category: str = ""
    organization: str = ""  # organization slug

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.category or self.organization)


def procedure_catalog(*, query: CatalogQuery) -> QuerySet[Procedure]:
    """Public procedures matching a keyword (all words), a category and an organization."""
    procedures = public_procedures().select_related("organization", "department")
    if query.category:
        procedures = procedures.filter(category=query.category)
    if query.organization:
        procedures = procedures.filter(organization__slug=query.organization)
    tokens = [t for t in normalize_query(query.q).split(" ") if t][:MAX_QUERY_TOKENS]
    for token in tokens:
        procedures = procedures.filter(_token_filter(token))
    if tokens:
        title_hit = Q()
        for variant in search_variants(tokens[0]):
            title_hit |= Q(title__icontains=variant)
        procedures = procedures.annotate(
            title_rank=Case(When(title_hit, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("title_rank", "organization_id", "title")
    else:
        procedures = procedures.order_by("organization_id", "title")
    return procedures


def catalog_organizations() -> QuerySet[Organization]:
    """Organizations that publish at least one public procedure (for the filter)."""
    ids = public_procedures().values("organization_id")
    return Organization.objects.filter(id__in=ids).order_by("id")


def catalog_categories() -> list[tuple[str, Any]]:
    used = set(public_procedures().order_by().values_list("category", flat=True).distinct())
    return [(value, label) for value, label in Category.choices if value in used]


def procedure_get_public(*, org_slug: str, procedure_slug: str) -> Procedure:
    """The public procedure at /<org>/<procedure>/ with its organization, department and
    current version (linked back to it), or 404.

    Every draft the API creates starts here, so the statement is written out once
    (``core/hotpath.py``) instead of built by the ORM per call; its conditions are those of
    ``public_procedures()`` (a test holds the two together).
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    conn = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy per attribute
    procedures, sql, is_public = _PUBLIC_SQL.get(conn.vendor) or _public_statement(conn)
    params = [is_public, VersionStatus.PUBLISHED.value, org_slug, procedure_slug]
    cursor = hotpath.cursor(conn)
    cursor.execute(sql, params)  # (organization, slug) is unique: one row at most
    row = cursor.fetchone()
    if row is None:
        raise Http404
    procedure = procedures.instance(row, conn)
    assert isinstance(procedure, Procedure)
    version = procedure.current_version
    if version is not None and version.procedure_id == procedure.pk:
        version.procedure = procedure  # what version.procedure would load again (a statement)
    return procedure


_PUBLIC_SQL: dict[str, tuple[Any, str, Any]] = {}


def _public_statement(conn: Any) -> tuple[Any, str, Any]:
    from madoguchi.core.hotpath import related_columns

    procedures = related_columns(Procedure, ["organization", "department", "current_version"], conn)
    column = procedures.column
    sql = (
        f"{procedures.sql} WHERE {column('', 'is_public')} = %s AND {column('', 'current_version_id')} IS NOT NULL "
        f"AND {column('current_version', 'status')} = %s AND {column('organization', 'slug')} = %s "
        f"AND {column('', 'slug')} = %s"
    )
    is_public = Procedure._meta.get_field("is_public").get_db_prep_value(True, conn)
    statement = _PUBLIC_SQL[conn.vendor] = (procedures, sql, is_public)
    return statement


def procedure_requirements(procedure: Procedure) -> list[str]:
    """What an applicant should have ready: the definition's own list, else its uploads."""
    definition = procedure.current_version.definition if procedure.current_version else {}
    listed = definition.get("requirements") or []
    if listed:
        return [str(item) for item in listed]
    return [
        str(spec.get("label", spec["key"])) for _step, spec in iter_fields(definition) if takes_file(spec)
    ]


def procedure_step_count(procedure: Procedure) -> int:
    """The pages of the form as it counts them (「ステップ 1 / N」): applicable steps and 確認."""
    definition = procedure.current_version.definition if procedure.current_version else {}
    return page_total(len(applicable_steps(definition, {})))


def staff_email_fields(procedure: Procedure) -> list[tuple[str, str]]:
    """(key, label) of the current version's e-mail fields that name a staff member
    (``staff_role``): a route may send a step to the person typed there (S3's 所属長)."""
    definition = procedure.current_version.definition if procedure.current_version else {}
    found = []
    for _step, spec in iter_fields(definition):
        field_type = type_of(spec)
        if field_type is not None and field_type.is_email and spec.get("staff_role"):
            found.append((str(spec["key"]), str(spec.get("label") or spec["key"])))
    return found
