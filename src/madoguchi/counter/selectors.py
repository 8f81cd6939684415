from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import User
from madoguchi.accounts.permissions import StaffScope
from madoguchi.applications.models import Draft
from madoguchi.counter import codes
from madoguchi.counter.models import CounterVisit, HandoffCode
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.steps import StepInfo, flow_steps

COUNTER_ROLES = {Role.COUNTER, Role.CENTRE, Role.ADMIN}


def counter_organization_ids(user: User) -> set[int]:
    return StaffScope.of(user).organization_ids(roles=COUNTER_ROLES)


def counter_procedures(*, user: User) -> QuerySet[Procedure]:
    return (
        Procedure.objects.filter(
            organization_id__in=counter_organization_ids(user), current_version__isnull=False
        )
        .select_related("organization")
        .order_by("organization_id", "title")
    )


def recent_visits(*, user: User) -> list[CounterVisit]:
    return list(
        CounterVisit.objects.filter(staff=user)
        .select_related("procedure", "application")
        .order_by("-created_at")[:20]
    )


def access_visit(*, user: User, visit_id: uuid.UUID | str) -> CounterVisit:
    """A visit of an organization where the user works at the counter; 404 otherwise."""
    visit = (
        CounterVisit.objects.select_related(
            "procedure__organization", "draft__version", "application", "staff"
        )
        .filter(pk=visit_id, organization_id__in=counter_organization_ids(user))
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def access_handoff(*, user: User, code: str) -> HandoffCode:
    """The hand-over code of a draft of an organization where the user works at the counter.

    Http404 for unknown codes and for other organizations' codes alike. Used or expired codes
    are returned (the caller explains why they no longer work).
    """
    handoff = (
        HandoffCode.objects.select_related("draft__version__procedure__organization", "draft__applicant")
        .filter(code_hash=codes.code_hash(code), organization_id__in=counter_organization_ids(user))
        .first()
    )
    if handoff is None:
        raise Http404
    return handoff


def active_handoff(*, draft: Draft, code: str) -> HandoffCode | None:
    """The applicant's code for the draft if it still works (for showing it again)."""
    return HandoffCode.objects.filter(
        draft=draft, code_hash=codes.code_hash(code), used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def visit_steps(draft: Draft) -> list[StepInfo]:
    """The pages staff fill in for the visitor: the same applicable steps as online."""
    return flow_steps(draft.version.definition, draft.data, draft.completed_steps)


def visit_missing_steps(draft: Draft) -> list[StepInfo]:
    """Applicable pages not completed yet (a page skipped by the answers is not missing)."""
    return [step for step in visit_steps(draft) if not step.completed]
