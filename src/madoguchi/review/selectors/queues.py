"""The case queues (mine, team, centre): filters, one page of cases, the tasks pending for a user, cases due soon."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.accounts.types import User
from madoguchi.core.business_days import add_business_days
from madoguchi.review.constants import ACT_ROLES, ORG_WIDE_ROLES, CaseStatus, TaskStatus
from madoguchi.review.models import Case, TaskState
from madoguchi.review.selectors.access import require_reviewer, staff_scope

QUEUE_PAGE_SIZE = 50
DUE_SOON_BUSINESS_DAYS = 3


class Queue:
    MINE = "mine"
    TEAM = "team"
    CENTRE = "centre"
    ALL = (MINE, TEAM, CENTRE)


# ---------------------------------------------------------------------------- queues


@dataclass
class QueueFilters:
    status: str = CaseStatus.OPEN
    procedure_id: int | None = None
    due: str = ""  # "" | overdue | soon
    reference: str = ""
    sort: str = "due"  # due | new
    page: int = 1


@dataclass
class QueuePage:
    rows: list[Case]
    page: int
    has_next: bool
    today: dt.date
    soon: dt.date


def due_soon_date(today: dt.date | None = None) -> dt.date:
    return add_business_days(today or timezone.localdate(), DUE_SOON_BUSINESS_DAYS)


def case_queue(*, user: User, queue: str, filters: QueueFilters | None = None) -> QueuePage:
    """One page of a work queue, sorted by deadline. Raises Http404 for a queue you lack."""
    filters = filters or QueueFilters()
    scope = require_reviewer(user)
    qs = Case.objects.all()
    if queue == Queue.MINE:
        # tasks claimed by or assigned to me, and those for my role that nobody has taken yet
        mine_ids = list(my_pending_tasks(user).order_by().values_list("case_id", flat=True)[:1000])
        qs = qs.filter(Q(assignee=user) | Q(pk__in=mine_ids)) if mine_ids else qs.filter(assignee=user)
    elif queue == Queue.TEAM:
        dept_ids = {g.department_id for g in scope.grants if g.department_id and g.role not in {Role.COUNTER}}
        org_ids = {
            g.organization_id
            for g in scope.grants
            if g.department_id is None and g.role not in {Role.COUNTER, Role.AUDITOR}
        }
        cond = Q(pk__in=[])
        if dept_ids:
            cond |= Q(department_id__in=dept_ids)
        if org_ids:
            cond |= Q(organization_id__in=org_ids)
        # Tasks for my department on other departments' cases (合議 etc.): few, so listed.
        cross = (
            list(
                TaskState.objects.filter(
                    status=TaskStatus.PENDING, cross_department=True, department_id__in=dept_ids
                )
                .order_by()
                .values_list("case_id", flat=True)[:1000]
            )
            if dept_ids
            else []
        )
        if cross:
            cond |= Q(pk__in=cross)
        qs = qs.filter(cond)
    elif queue == Queue.CENTRE:
        org_ids = scope.organization_ids(roles={Role.CENTRE, Role.ADMIN, Role.AUDITOR})
        if not org_ids:
            raise Http404
        qs = qs.filter(organization_id__in=org_ids)
    else:
        raise Http404
    today = timezone.localdate()
    soon = due_soon_date(today)
    if filters.status in CaseStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.procedure_id:
        qs = qs.filter(procedure_id=filters.procedure_id)
    if filters.due == "overdue":
        qs = qs.filter(due_date__lt=today)
    elif filters.due == "soon":
        qs = qs.filter(due_date__gte=today, due_date__lte=soon)
    if filters.reference:
        # 受付番号 (its beginning is enough) or a 受験票's 受験番号 (S13: staff at the exam hall
        # read it off the ticket); full-width characters folded.
        typed = unicodedata.normalize("NFKC", filters.reference).strip().upper()
        qs = qs.filter(Q(reference_number__startswith=typed) | Q(application__admission_ticket__number=typed))
    order = ["-opened_at"] if filters.sort == "new" else ["due_date", "opened_at"]
    page = max(1, min(filters.page, 200))
    start = (page - 1) * QUEUE_PAGE_SIZE
    rows = list(
        qs.select_related("assignee", "department").order_by(*order)[start : start + QUEUE_PAGE_SIZE + 1]
    )
    return QueuePage(
        rows=rows[:QUEUE_PAGE_SIZE], page=page, has_next=len(rows) > QUEUE_PAGE_SIZE, today=today, soon=soon
    )


def my_pending_tasks(user: User) -> QuerySet[TaskState]:
    """Pending tasks of the current step of open cases that wait for ``user``: claimed by them,
    assigned to them, or for their role over the task's department and not taken by anyone."""
    from django.db.models import F

    scope = staff_scope(user)
    role_q = Q(pk__in=[])
    for g in scope.grants:
        if g.role not in ACT_ROLES:
            continue
        cond = Q(role=g.role, case__organization_id=g.organization_id)
        if g.department_id is not None and g.role not in ORG_WIDE_ROLES:
            cond &= Q(department_id=g.department_id)
        role_q |= cond
    waiting = (
        Q(claimed_by=user)
        | Q(claimed_by__isnull=True, assignee=user)
        | (Q(claimed_by__isnull=True, assignee__isnull=True) & role_q)
    )
    return TaskState.objects.filter(
        waiting, status=TaskStatus.PENDING, round=F("case__step_round"), case__status=CaseStatus.OPEN
    )
