"""Who may see and act on which case, built on the staff member's grants (accounts.permissions).

Rules (docs/backoffice.md):
- A membership without department, or with an organization-wide role (centre, auditor,
  admin), sees every case of its organization; otherwise only its department's cases.
- Anyone a task is assigned to (person, or department+role) sees that case too (合議 across
  departments).
- Acting needs a pending task for you: claimed by you, assigned to you, or for your
  department+role (and not claimed by someone else). 代決 needs an approver/admin role over
  the task's department.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q

from madoguchi.accounts.permissions import StaffScope
from madoguchi.review.constants import ACT_ROLES, ORG_WIDE_ROLES, SUBSTITUTE_ROLES, VIEW_ROLES, TaskStatus

if TYPE_CHECKING:
    from madoguchi.accounts.types import User
    from madoguchi.review.models import TaskState


class CaseScope(StaffScope):
    """A staff member's scope (accounts.permissions.StaffScope) plus the rules about cases."""

    @property
    def can_review(self) -> bool:
        return any(g.role in VIEW_ROLES for g in self.grants)

    def organization_ids(self, roles: Iterable[str] | None = None) -> set[int]:
        return super().organization_ids(VIEW_ROLES if roles is None else roles)

    # ------------------------------------------------------------------ case visibility

    def task_match_q(self, prefix: str = "") -> Q:
        """Tasks addressed to this user: as a person, by claim, or by department+role."""
        q = Q(**{f"{prefix}assignee": self.user}) | Q(**{f"{prefix}claimed_by": self.user})
        for g in self.grants:
            if g.role not in ACT_ROLES:
                continue
            cond = {f"{prefix}role": g.role, f"{prefix}case__organization_id": g.organization_id}
            if g.department_id is not None and g.role not in ORG_WIDE_ROLES:
                cond[f"{prefix}department_id"] = g.department_id
            q |= Q(**cond)
        return q

    def case_visibility_q(self) -> Q:
        from madoguchi.review.models import TaskState

        if not self.grants:
            return Q(pk__in=[])
        q = Q(pk__in=[])
        for g in self.grants:
            if g.role not in VIEW_ROLES:
                continue
            if g.department_id is None or g.role in ORG_WIDE_ROLES:
                q |= Q(organization_id=g.organization_id)
            else:
                q |= Q(organization_id=g.organization_id, department_id=g.department_id)
        addressed = TaskState.objects.filter(self.task_match_q(), case=OuterRef("pk"))
        return q | Q(Exists(addressed))

    # ------------------------------------------------------------------ acting on a task

    def may_act(self, task: Any) -> bool:
        """May act on ``task`` as the regular actor (not as a substitute)."""
        if task.status != TaskStatus.PENDING:
            return False
        uid = self.user.pk
        if task.claimed_by_id:
            return task.claimed_by_id == uid
        if task.assignee_id:
            return task.assignee_id == uid
        return (
            self.covers(
                organization_id=task.case.organization_id, department_id=task.department_id, roles={task.role}
            )
            and task.role in ACT_ROLES
        )

    def may_claim(self, task: Any) -> bool:
        if task.status != TaskStatus.PENDING or task.claimed_by_id == self.user.pk:
            return False
        if task.assignee_id:
            return task.assignee_id == self.user.pk and not task.claimed_by_id
        if task.claimed_by_id:
            return False
        return self.may_act(task)

    def may_substitute(self, task: Any) -> bool:
        """代決: an approver/admin over the task's department acts in place of the assignee."""
        if task.status != TaskStatus.PENDING or self.may_act(task):
            return False
        return self.covers(
            organization_id=task.case.organization_id,
            department_id=task.department_id or task.case.department_id,
            roles=SUBSTITUTE_ROLES,
        )

    def may_reassign(self, task: Any) -> bool:
        if task.status != TaskStatus.PENDING:
            return False
        if task.claimed_by_id == self.user.pk:
            return True
        return self.covers(
            organization_id=task.case.organization_id,
            department_id=task.department_id or task.case.department_id,
            roles=SUBSTITUTE_ROLES,
        )

    def may_view_case(self, case: Any) -> bool:
        if self.covers(
            organization_id=case.organization_id, department_id=case.department_id, roles=VIEW_ROLES
        ):
            return True
        return False  # task-addressed visibility is checked with a query in selectors


def user_fits_task(user: User, task: TaskState) -> bool:
    """Whether ``user`` could act on ``task`` as its regular actor (for reassignment)."""
    if task.assignee_id and task.assignee_id == user.pk:
        return True
    scope = CaseScope.of(user)
    if not task.role:  # a slot for a named person: any acting staff of that department
        return scope.covers(
            organization_id=task.case.organization_id,
            department_id=task.department_id or task.case.department_id,
            roles=ACT_ROLES,
        )
    return task.role in ACT_ROLES and scope.covers(
        organization_id=task.case.organization_id, department_id=task.department_id, roles={task.role}
    )
