"""Who a staff member is: their memberships (grants), computed once per request.

``StaffScope`` answers the questions every app asks (is this a staff member, which
organizations, does a grant cover that department). Rules about one app's objects — which
cases a reviewer sees, who may act on a task — build on it in that app
(``review/permissions.py`` ``CaseScope``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Self

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Membership
from madoguchi.accounts.types import User, Viewer

# Roles whose grant covers the whole organization even when it names a department.
ORG_WIDE_ROLES = frozenset({Role.CENTRE, Role.AUDITOR, Role.ADMIN})


@dataclass(frozen=True)
class Grant:
    organization_id: int
    department_id: int | None
    role: str


def _grants_of(user: Viewer | None) -> list[Grant]:
    cached: list[Grant] | None = getattr(user, "_madoguchi_staff_grants", None)
    if cached is not None:
        return cached
    grants: list[Grant] = []
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        grants = [
            Grant(m.organization_id, m.department_id, m.role)
            for m in Membership.objects.filter(user=user).only("organization_id", "department_id", "role")
        ]
    try:
        user._madoguchi_staff_grants = grants  # type: ignore[union-attr]  # a cache on the request's user
    except AttributeError:
        pass
    return grants


def has_staff_powers(user: Viewer | None) -> bool:
    """A membership of any role, or admin rights: such a user signs in only through the staff
    door (password + second factor), never with the applicants' e-mail link."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return bool(_grants_of(user))


@dataclass
class StaffScope:
    user: Viewer | None
    grants: list[Grant] = field(default_factory=list)

    @classmethod
    def of(cls, user: Viewer | None) -> Self:
        return cls(user=user, grants=_grants_of(user))

    @property
    def is_staff(self) -> bool:
        return bool(self.grants)

    def has_role(self, *roles: str, organization_id: int | None = None) -> bool:
        return any(
            g.role in roles and (organization_id is None or g.organization_id == organization_id)
            for g in self.grants
        )

    def organization_ids(self, roles: Iterable[str] | None = None) -> set[int]:
        wanted = set(Role.values) if roles is None else set(roles)
        return {g.organization_id for g in self.grants if g.role in wanted}

    def covers(self, *, organization_id: int, department_id: int | None, roles: Iterable[str]) -> bool:
        """A grant with one of ``roles`` over that department (org-wide grants cover all)."""
        roles = set(roles)
        for g in self.grants:
            if g.organization_id != organization_id or g.role not in roles:
                continue
            if g.department_id is None or g.role in ORG_WIDE_ROLES or g.department_id == department_id:
                return True
        return False
