"""FAQ entries: what a viewer may read (public, or staff-only for members), the public pages'
lists and categories, the chat's re-reads, and the staff's lists and editing access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.models import Organization
from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.models import FaqEntry
from madoguchi.knowledge.selectors.access import Viewer, staff_organization_ids


def access_faq(*, user: Viewer, faq_id: int) -> FaqEntry:
    """The FAQ entry if this viewer may read it; 404 otherwise (staff-only stays invisible)."""
    faq = (
        FaqEntry.objects.select_related("organization")
        .prefetch_related("related_procedures")
        .filter(pk=faq_id, is_archived=False)
        .first()
    )
    if faq is None:
        raise Http404
    if faq.visibility != Visibility.PUBLIC and faq.organization_id not in staff_organization_ids(user):
        raise Http404
    return faq


def faq_visible_q(user: Viewer) -> Q:
    return Q(is_archived=False) & (
        Q(visibility=Visibility.PUBLIC) | Q(organization_id__in=staff_organization_ids(user))
    )


def faq_categories(*, user: Viewer = None, organization: Organization | None = None) -> list[tuple[str, int]]:
    qs = FaqEntry.objects.filter(faq_visible_q(user))
    if organization:
        qs = qs.filter(organization=organization)
    counts: dict[str, int] = {}
    for category in qs.values_list("category", flat=True):
        counts[category or "その他"] = counts.get(category or "その他", 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])


def faq_list(*, user: Viewer = None, category: str | None = None, organization: Organization | None = None):
    qs = FaqEntry.objects.filter(faq_visible_q(user)).select_related("organization")
    if organization:
        qs = qs.filter(organization=organization)
    if category:
        qs = qs.filter(category="" if category == "その他" else category)
    return qs.order_by("category", "id")


def faq_list_for_procedure(*, procedure: Any, user: Viewer = None):
    """FAQ entries linked to a procedure, for its page (templates: knowledge/_related_faqs.html)."""
    return procedure.faqs.filter(faq_visible_q(user)).order_by("id")


def faqs_visible_by_id(*, user: Viewer, ids: Iterable[int | None]) -> dict[int, FaqEntry]:
    """The entries among ``ids`` this viewer may read, by id (the chat re-reads its turns)."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    return {f.pk: f for f in FaqEntry.objects.filter(pk__in=wanted).filter(faq_visible_q(user))}


def faq_related_procedures(*, faq: FaqEntry) -> list[tuple[Any, str]]:
    """(procedure, URL of its public page) for the public, published procedures linked to an FAQ."""
    from madoguchi.knowledge.search.documents import procedure_url

    return [
        (p, procedure_url(p))
        for p in faq.related_procedures.filter(is_public=True, current_version__isnull=False).select_related(
            "organization"
        )
    ]


def faq_staff_recent(*, user: Viewer) -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(
        organization_id__in=staff_organization_ids(user), is_archived=False
    ).order_by("-updated_at")


def access_staff_faq(*, user: Viewer, faq_id: int) -> FaqEntry:
    """An FAQ entry this member may edit; 404 for another organization's."""
    faq = FaqEntry.objects.select_related("organization").filter(pk=faq_id).first()
    if faq is None or faq.organization_id not in staff_organization_ids(user):
        raise Http404
    return faq


def procedures_of(*, organizations: Iterable[Organization]) -> QuerySet[Any]:
    """The organizations' procedures, for the FAQ form's "related procedures" choice."""
    from madoguchi.procedures.models import Procedure

    return Procedure.objects.filter(organization__in=list(organizations)).order_by("organization_id", "title")


def faqs_due_for_review(*, user: Viewer, today: dt.date | None = None) -> QuerySet[FaqEntry]:
    today = today or timezone.localdate()
    return FaqEntry.objects.filter(
        organization_id__in=staff_organization_ids(user), is_archived=False, review_on__lte=today
    ).order_by("review_on")
