"""Who may build: the organizations a user builds for, and the checks every write makes."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Department, Membership, Organization
from madoguchi.accounts.types import User
from madoguchi.core.errors import PermissionDeniedError
from madoguchi.procedures.models import Procedure

BUILDER_ROLES = (Role.OWNER, Role.ADMIN)
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


# ---------------------------------------------------------------------------- permission


def builder_organizations(user: User) -> list[Organization]:
    """Organizations in which ``user`` may build procedures (手続所管 or 管理者)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return list(Organization.objects.all())
    ids = Membership.objects.filter(user=user, role__in=BUILDER_ROLES).values_list(
        "organization_id", flat=True
    )
    return list(Organization.objects.filter(id__in=ids))


def procedure_can_edit(user: User, procedure: Procedure) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    for membership in Membership.objects.filter(
        user=user, organization_id=procedure.organization_id, role__in=BUILDER_ROLES
    ):
        if membership.department_id is None or membership.department_id == procedure.department_id:
            return True
    return False


def require_edit(actor: User, procedure: Procedure) -> None:
    if not procedure_can_edit(actor, procedure):
        raise PermissionDeniedError(_("この手続を編集する権限がありません。"))


def require_org(actor: User, organization: Organization, department: Department | None = None) -> None:
    if getattr(actor, "is_superuser", False):
        return
    memberships = Membership.objects.filter(user=actor, organization=organization, role__in=BUILDER_ROLES)
    if not any(
        m.department_id is None or (department and m.department_id == department.pk) for m in memberships
    ):
        raise PermissionDeniedError(_("この団体で手続を作成する権限がありません。"))
