"""Reads for the legal-hold pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from madoguchi.accounts.models import Membership
from madoguchi.accounts.types import User
from madoguchi.applications.models import Application
from madoguchi.retention.models import LegalHold, PurgedApplication
from madoguchi.retention.services import HOLD_ROLES


def hold_organizations(user: User) -> list[int]:
    """Organizations in which ``user`` may set and clear legal holds (admin, auditor)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(user=user, role__in=HOLD_ROLES)
        .values_list("organization_id", flat=True)
        .distinct()
    )


def access_application_for_hold(*, user: User, application_id: Any) -> Application:
    """The application if ``user`` may manage its holds; Http404 otherwise (no hint it exists)."""
    application = (
        Application.objects.select_related("procedure", "organization").filter(pk=application_id).first()
    )
    if application is None or application.organization_id not in hold_organizations(user):
        raise Http404
    return application


def hold_page(*, application: Application) -> dict[str, Any]:
    holds = list(LegalHold.objects.filter(application=application).select_related("set_by", "cleared_by"))
    return {
        "application": application,
        "active": next((h for h in holds if h.is_active), None),
        "history": holds,
        "purged": PurgedApplication.objects.filter(application=application).first(),
    }


def active_holds(*, user: User) -> QuerySet[LegalHold]:
    return (
        LegalHold.objects.filter(
            application__organization_id__in=hold_organizations(user), cleared_at__isnull=True
        )
        .select_related("application__procedure", "set_by")
        .order_by("-set_at")
    )
