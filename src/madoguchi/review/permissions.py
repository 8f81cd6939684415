"""Who may see and act on which case. Computed once per request from the memberships.

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

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Membership
from madoguchi.review.constants import ACT_ROLES, ORG_WIDE_ROLES, SUBSTITUTE_ROLES, VIEW_ROLES, TaskStatus


@dataclass(frozen=True)
class Grant:
    organization_id: int
    department_id: int | None
    role: str


@dataclass
class StaffScope:
    user: Any
    grants: list[Grant] = field(default_factory=list)

    @classmethod
    def of(cls, user: Any) -> StaffScope:
        cached = getattr(user, "_madoguchi_staff_scope", None)
        if cached is not None:
            return cached
        grants: list[Grant] = []
        if getattr(user, "is_authenticated", False) and user.is_active:
            grants = [
                Grant(m.organization_id, m.department_id, m.role)
                for m in Membership.objects.filter(user=user).only("organization_id", "department_id", "role")
            ]
        scope = cls(user=user, grants=grants)
        try:
            user._madoguchi_staff_scope = scope
        except AttributeError:
            pass
        return scope

    # ------------------------------------------------------------------ questions

    @property
    def is_staff(self) -> bool:
        return any(g.role in VIEW_ROLES or g.role == Role.COUNTER for g in self.grants)

    @property
    def can_review(self) -> bool:
        return any(g.role in VIEW_ROLES for g in self.grants)

    def has_role(self, *roles: str, organization_id: int | None = None) -> bool:
        return any(
            g.role in roles and (organization_id is None or g.organization_id == organization_id)
            for g in self.grants
        )

    def organization_ids(self, roles=VIEW_ROLES) -> set[int]:
        return {g.organization_id for g in self.grants if g.role in roles}

    def covers(self, *, organization_id: int, department_id: int | None, roles) -> bool:
        """A grant with one of ``roles`` over that department (org-wide grants cover all)."""
        for g in self.grants:
            if g.organization_id != organization_id or g.role not in roles:
                continue
            if g.department_id is None or g.role in ORG_WIDE_ROLES or g.department_id == department_id:
                return True
        return False

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


def user_fits_task(user: Any, task: Any) -> bool:
    """Whether ``user`` could act on ``task`` as its regular actor (for reassignment)."""
    if task.assignee_id and task.assignee_id == user.pk:
        return True
    scope = StaffScope.of(user)
    if not task.role:  # a slot for a named person: any acting staff of that department
        return scope.covers(
            organization_id=task.case.organization_id,
            department_id=task.department_id or task.case.department_id,
            roles=ACT_ROLES,
        )
    return task.role in ACT_ROLES and scope.covers(
        organization_id=task.case.organization_id, department_id=task.department_id, roles={task.role}
    )
