"""Who may do what in the proposal box and the Q&A (docs/ideas.md, "Permissions").

- A **staff-only** space (the default) is seen only in a staff session by members of its
  organization; to everyone else it does not exist (404, never listed, never in search).
- A **public** space is read by anyone; posting needs a signed-in person who is not muted.
- **Moderators**: members of the space's moderator department and the organization's admins.
- A **department member** (any role whose grant covers the department) prepares and publishes
  the official answers assigned to that department.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import User
from madoguchi.accounts.permissions import StaffScope
from madoguchi.accounts.sessions import is_staff_session
from madoguchi.accounts.types import Viewer as AccountViewer
from madoguchi.ideas.constants import Visibility
from madoguchi.ideas.models import Mute, Space

ALL_ROLES = tuple(Role.values)


@dataclass
class Viewer:
    user: AccountViewer  # request.user: a User or AnonymousUser
    staff_session: bool = False

    @classmethod
    def of(cls, request: HttpRequest) -> Viewer:
        return cls(user=request.user, staff_session=is_staff_session(request))

    @property
    def authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def signed_in(self) -> User | None:
        """The user when signed in, else None (what ``authenticated`` says, as a type)."""
        return self.user if isinstance(self.user, User) and self.user.is_authenticated else None

    @property
    def scope(self) -> StaffScope:
        return StaffScope.of(self.user)

    def staff_of(self, organization_id: int) -> bool:
        if not (self.staff_session and self.authenticated):
            return False
        return bool(self.user.is_superuser) or organization_id in self.scope.organization_ids()

    def can_read(self, space: Space) -> bool:
        return space.visibility == Visibility.PUBLIC or self.staff_of(space.organization_id)

    def can_post(self, space: Space) -> bool:
        if not self.authenticated or not self.can_read(space):
            return False
        if space.visibility == Visibility.STAFF and not self.staff_of(space.organization_id):
            return False
        return not Mute.objects.filter(space=space, user=self.signed_in).exists()

    def is_moderator(self, space: Space) -> bool:
        if not self.staff_of(space.organization_id):
            return False
        if self.user.is_superuser or self.scope.has_role(Role.ADMIN, organization_id=space.organization_id):
            return True
        return space.moderator_department_id is not None and self.covers(
            space.organization_id, space.moderator_department_id
        )

    def covers(self, organization_id: int, department_id: int | None) -> bool:
        """A member of that department (the ones who answer for it)."""
        if department_id is None or not self.staff_of(organization_id):
            return False
        return any(
            g.organization_id == organization_id and g.department_id == department_id
            for g in self.scope.grants
        )

    def department_ids(self, organization_id: int) -> set[int]:
        if not self.staff_of(organization_id):
            return set()
        return {
            g.department_id
            for g in self.scope.grants
            if g.organization_id == organization_id and g.department_id is not None
        }


def staff_viewer(user: User) -> Viewer:
    """Tests, tasks and the demo: a staff member as if in a staff session."""
    return Viewer(user=user, staff_session=True)
