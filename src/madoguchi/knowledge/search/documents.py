"""What each kind of content looks like to the search: title, body, keywords, URL, visibility."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from madoguchi.knowledge.constants import DocType, Visibility
from madoguchi.knowledge.models import FaqEntry, Notice
from madoguchi.knowledge.sanitize import html_to_text

if TYPE_CHECKING:
    from madoguchi.procedures.models import Procedure


@dataclass
class Document:
    doc_type: str
    object_id: int
    organization_id: int | None
    visibility: str
    title: str
    body: str
    url: str
    keywords: str
    searchable: bool = True


def faq_document(faq: FaqEntry) -> Document:
    keywords = " ".join(x for x in (faq.category, faq.subcategory, faq.keywords) if x)
    return Document(
        doc_type=DocType.FAQ,
        object_id=faq.pk,
        organization_id=faq.organization_id,
        visibility=faq.visibility,
        title=faq.question,
        body=html_to_text(faq.answer),
        url=reverse("knowledge:faq_detail", args=[faq.pk]),
        keywords=keywords,
        searchable=not faq.is_archived,
    )


def procedure_url(procedure: Procedure) -> str:
    """The public page of a procedure, whatever name the procedures app gives it."""
    candidates: list[tuple[str, dict[str, object]]] = [
        ("procedures:detail", {"org_slug": procedure.organization.slug, "procedure_slug": procedure.slug}),
        ("procedures:detail", {"organization": procedure.organization.slug, "slug": procedure.slug}),
        ("procedures:detail", {"org": procedure.organization.slug, "slug": procedure.slug}),
        ("procedures:detail", {"procedure_id": procedure.pk}),
        ("procedures:detail", {"pk": procedure.pk}),
        ("procedures:procedure", {"organization": procedure.organization.slug, "slug": procedure.slug}),
    ]
    for name, kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    try:
        return reverse("procedures:catalog") + f"#procedure-{procedure.pk}"
    except NoReverseMatch:
        return f"/#procedure-{procedure.pk}"


def procedure_document(procedure: Procedure) -> Document:
    searchable = bool(procedure.is_public and procedure.current_version_id)
    return Document(
        doc_type=DocType.PROCEDURE,
        object_id=procedure.pk,
        organization_id=procedure.organization_id,
        visibility=Visibility.PUBLIC,
        title=procedure.title,
        body="\n".join(x for x in (procedure.summary, procedure.description) if x),
        url=procedure_url(procedure) if searchable else "",
        keywords=" ".join(x for x in (procedure.keywords, procedure.get_category_display()) if x),
        searchable=searchable,
    )


def notice_document(notice: Notice) -> Document:
    return Document(
        doc_type=DocType.NOTICE,
        object_id=notice.pk,
        organization_id=notice.organization_id,
        visibility=notice.visibility,
        title=notice.title,
        body=notice.body,
        url=reverse("knowledge:notice_detail", args=[notice.pk]),
        keywords="",
        searchable=notice.published_at is not None and notice.published_at <= timezone.now(),
    )
