"""Reads for the mailbox and the staff screens. ``access_*`` fetch and check (404/403)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404

from madoguchi.accounts.models import Membership, Organization, User
from madoguchi.notifications.constants import MANAGER_ROLES, ORGANIZATION_WIDE_ROLES, NotificationStatus
from madoguchi.notifications.models import (
    DeliveryBatch,
    MailboxMessage,
    Member,
    Notification,
    NotificationTemplate,
    PushCampaign,
)


def mailbox_list(*, user: User) -> QuerySet[MailboxMessage]:
    return (
        MailboxMessage.objects.filter(user=user)
        .select_related("organization")
        .defer("body")
        .order_by("-created_at")
    )


def mailbox_unread_count(*, user: User) -> int:
    return MailboxMessage.objects.filter(user=user, read_at__isnull=True).count()


def access_mailbox_message(*, user: User, message_id: uuid.UUID | str) -> MailboxMessage:
    """The message if it is ``user``'s own; 404 for anybody else's (no hint it exists)."""
    try:
        return MailboxMessage.objects.select_related("organization").get(pk=message_id, user=user)
    except (MailboxMessage.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:  # malformed UUID (ValidationError)
        raise Http404 from exc


def access_staff_organization(*, user: User, org_slug: str, manage: bool = False) -> Organization:
    """The organization if ``user`` is a member of it (and a manager when ``manage``)."""
    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None:
        raise Http404
    roles = set(
        Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True)
    )
    if not roles or (manage and not roles & set(MANAGER_ROLES)):
        raise PermissionDenied
    return organization


def staff_organizations(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(memberships__user=user).distinct().order_by("id")


def notification_departments(*, user: User, organization: Organization) -> frozenset[int] | None:
    """The departments whose delivery log ``user`` may read in ``organization``; None for all.

    A membership without a department, or with an organization-wide role, reads everything
    (rows without a department included); department-limited staff read their departments' rows
    only, and nobody else's (not even the organization-wide ones)."""
    grants = list(
        Membership.objects.filter(user=user, organization=organization).values_list("department_id", "role")
    )
    if any(department_id is None or role in ORGANIZATION_WIDE_ROLES for department_id, role in grants):
        return None
    return frozenset(department_id for department_id, _role in grants)


def _delivery_log(*, user: User, organization: Organization) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(organization=organization)
    departments = notification_departments(user=user, organization=organization)
    if departments is not None:
        queryset = queryset.filter(department_id__in=departments)
    return queryset


def notification_list(
    *, user: User, organization: Organization, status: str | None = None
) -> QuerySet[Notification]:
    """The delivery log that ``user`` may read, newest first (see ``notification_departments``)."""
    qs = _delivery_log(user=user, organization=organization).select_related("recipient")
    if status in NotificationStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def notification_status_counts(*, user: User, organization: Organization) -> dict[str, int]:
    counts = dict(
        _delivery_log(user=user, organization=organization)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in NotificationStatus.values}


def access_notification(
    *, user: User, organization: Organization, notification_id: uuid.UUID | str
) -> Notification:
    """One row of the delivery log; 404 when it is not in what ``user`` may read."""
    try:
        return _delivery_log(user=user, organization=organization).get(pk=notification_id)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:
        raise Http404 from exc


def template_list(*, organization: Organization) -> dict[tuple[str, str], NotificationTemplate]:
    return {(t.event, t.language): t for t in NotificationTemplate.objects.filter(organization=organization)}


def member_count(*, organization: Organization) -> int:
    return Member.objects.filter(organization=organization).count()


def batch_list(*, organization: Organization) -> QuerySet[DeliveryBatch]:
    return DeliveryBatch.objects.filter(organization=organization).order_by("-created_at")


def access_batch(*, organization: Organization, batch_id: uuid.UUID | str) -> DeliveryBatch:
    try:
        return DeliveryBatch.objects.get(pk=batch_id, organization=organization)
    except (DeliveryBatch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:
        raise Http404 from exc


def campaign_list(*, organization: Organization) -> QuerySet[PushCampaign]:
    return PushCampaign.objects.filter(organization=organization).order_by("-created_at")


def access_campaign(*, organization: Organization, campaign_id: uuid.UUID | str) -> PushCampaign:
    try:
        return PushCampaign.objects.get(pk=campaign_id, organization=organization)
    except (PushCampaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:
        raise Http404 from exc
