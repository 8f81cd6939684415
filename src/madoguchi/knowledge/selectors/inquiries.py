"""お問い合わせ for staff: the queue, its counts and one inquiry with its replies."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from madoguchi.knowledge.constants import InquiryStatus
from madoguchi.knowledge.models import Inquiry
from madoguchi.knowledge.selectors.access import Viewer, staff_organization_ids


def inquiry_list(*, user: Viewer) -> QuerySet[Inquiry]:
    return Inquiry.objects.filter(organization_id__in=staff_organization_ids(user)).select_related(
        "organization"
    )


def inquiry_queue(*, user: Viewer, status: str = "", limit: int = 200) -> list[Inquiry]:
    """The inquiries queue: 未対応 first, oldest first (they have waited longest); then the
    answered and closed ones, newest first."""
    rows: QuerySet[Inquiry] = inquiry_list(user=user).annotate(reply_count=Count("replies"))
    waiting = rows.filter(status=InquiryStatus.NEW).order_by("created_at", "id")
    done = rows.exclude(status=InquiryStatus.NEW).order_by("-created_at", "-id")
    if status == InquiryStatus.NEW:
        return list(waiting[:limit])
    if status in InquiryStatus.values:
        return list(done.filter(status=status)[:limit])
    first = list(waiting[:limit])
    return first + list(done[: max(0, limit - len(first))])


def inquiry_counts(*, user: Viewer) -> dict[str, int]:
    counts = dict(
        inquiry_list(user=user).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {value: counts.get(value, 0) for value in InquiryStatus.values}


def access_staff_inquiry(*, user: Viewer, inquiry_id: int) -> Inquiry:
    """An inquiry of one of this member's organizations, with its replies; 404 otherwise."""
    inquiry = (
        Inquiry.objects.select_related("organization", "user")
        .prefetch_related("replies__author")
        .filter(pk=inquiry_id, organization_id__in=staff_organization_ids(user))
        .first()
    )
    if inquiry is None:
        raise Http404
    return inquiry
