"""お知らせ: one as the public reads it, and the staff's list and editing access."""

from __future__ import annotations

from django.db.models import F
from django.http import Http404
from django.utils import timezone

from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.models import Notice
from madoguchi.knowledge.selectors.access import Viewer, notice_organization_ids, staff_organization_ids


def notice_access(*, user: Viewer, notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id, published_at__lte=timezone.now()).first()
    if notice is None:
        raise Http404
    if notice.visibility != Visibility.PUBLIC and notice.organization_id not in staff_organization_ids(user):
        raise Http404
    return notice


def notice_staff_list(*, user: Viewer):
    """The notices of the organizations this user writes for: drafts first, then newest."""
    return (
        Notice.objects.filter(organization_id__in=notice_organization_ids(user))
        .select_related("organization")
        .order_by(F("published_at").desc(nulls_first=True), "-updated_at", "-id")
    )


def access_staff_notice(*, user: Viewer, notice_id: int) -> Notice:
    """A notice this user may edit; 404 for another organization's (and for everyone else)."""
    notice = Notice.objects.select_related("organization").filter(pk=notice_id).first()
    if notice is None or notice.organization_id not in notice_organization_ids(user):
        raise Http404
    return notice
