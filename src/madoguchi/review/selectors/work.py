"""What waits for you (自分の仕事): pending tasks with their effective due dates, in order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from madoguchi.accounts.types import User
from madoguchi.review.constants import ACT_ROLES, VIEW_ROLES, CaseStatus, TaskStatus
from madoguchi.review.models import Case, TaskState
from madoguchi.review.selectors.access import require_reviewer
from madoguchi.review.selectors.duties import duty_conflict
from madoguchi.review.selectors.queues import due_soon_date, my_pending_tasks

# ---------------------------------------------------------------------------- what waits for you


@dataclass
class WorkItem:
    case: Case
    step_name: str
    due: dt.date | None
    overdue: bool
    soon: bool
    claimed: bool  # claimed by (or assigned to) this person, not just for their role


@dataclass
class WorkPage:
    mine: list[WorkItem]
    team: list[WorkItem]
    today: dt.date
    soon: dt.date


WORK_LIMIT = 100


def effective_due(task: TaskState, case: Case) -> dt.date | None:
    """The earlier of the step's own deadline and the case's (標準処理期間)."""
    dates = [d for d in (task.due_date, case.due_date) if d]
    return min(dates) if dates else None


def _work_order(item: WorkItem) -> tuple[Any, ...]:
    # overdue first, then the nearest deadline, cases without a deadline last; oldest first
    return (not item.overdue, item.due or dt.date.max, item.case.opened_at)


def waiting_work(*, user: User) -> WorkPage:
    """The staff landing page: what waits for *you* (your steps), then your team's open cases;
    overdue first, then by deadline. A constant number of queries."""
    scope = require_reviewer(user)
    today = timezone.localdate()
    soon = due_soon_date(today)
    tasks = list(
        my_pending_tasks(user)
        .select_related("case__department", "case__proposal", "step")
        .order_by("case_id", "id")[:1000]
    )
    acted = list(
        TaskState.objects.filter(
            actor_id=user.pk, status=TaskStatus.APPROVED, case_id__in={t.case_id for t in tasks}
        ).select_related("step")
    )
    by_case: dict[Any, WorkItem] = {}
    for task in tasks:
        case = task.case
        if duty_conflict(task, user, acted=acted) is not None:
            continue  # 職務の分離: someone else does this one
        due = effective_due(task, case)
        item = by_case.get(case.pk)
        if item is None or (due and (item.due is None or due < item.due)):
            by_case[case.pk] = WorkItem(
                case=case,
                step_name=task.step.name,
                due=due,
                overdue=bool(due and due < today),
                soon=bool(due and today <= due <= soon),
                claimed=task.claimed_by_id == user.pk or task.assignee_id == user.pk,
            )
    mine = sorted(by_case.values(), key=_work_order)[:WORK_LIMIT]
    dept_ids = {g.department_id for g in scope.grants if g.department_id and g.role in VIEW_ROLES}
    org_ids = {g.organization_id for g in scope.grants if g.department_id is None and g.role in ACT_ROLES}
    team_q = Q(pk__in=[])
    if dept_ids:
        team_q |= Q(department_id__in=dept_ids)
    if org_ids:
        team_q |= Q(organization_id__in=org_ids)
    team_rows = list(
        Case.objects.filter(team_q, status__in=[CaseStatus.OPEN, CaseStatus.CORRECTION])
        .exclude(pk__in=list(by_case))
        .select_related("department", "assignee")
        .order_by("due_date", "opened_at")[:WORK_LIMIT]
    )
    team = sorted(
        (
            WorkItem(
                case=c,
                step_name=c.current_step_name,
                due=c.due_date,
                overdue=bool(c.due_date and c.due_date < today and c.status == CaseStatus.OPEN),
                soon=bool(c.due_date and today <= c.due_date <= soon),
                claimed=False,
            )
            for c in team_rows
        ),
        key=_work_order,
    )
    return WorkPage(mine=mine, team=team, today=today, soon=soon)
