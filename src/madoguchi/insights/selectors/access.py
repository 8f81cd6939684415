"""Who sees what: the organizations, departments and procedures a staff member's dashboard covers."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from madoguchi.accounts.models import Department, Organization, User
from madoguchi.accounts.permissions import ORG_WIDE_ROLES, StaffScope
from madoguchi.procedures.models import Procedure

# ---------------------------------------------------------------------------- who sees what


@dataclass
class InsightsScope:
    """Per organization: ``None`` = every department (management), else the departments seen.

    Management (DX推進本部, docs/kpi.md) is a grant without a department or with an
    organization-wide role (admin, auditor, centre); any other staff grant shows its own
    department (and the departments below it).
    """

    organizations: dict[int, set[int] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, user: User) -> InsightsScope:
        if user.is_superuser:
            return cls({pk: None for pk in Organization.objects.values_list("pk", flat=True)})
        seen: dict[int, set[int] | None] = {}
        for grant in StaffScope.of(user).grants:
            if grant.department_id is None or grant.role in ORG_WIDE_ROLES:
                seen[grant.organization_id] = None
            elif seen.get(grant.organization_id, set()) is not None:
                departments = seen.setdefault(grant.organization_id, set())
                assert departments is not None
                departments |= with_children(grant.department_id)
        return cls(seen)

    def sees_whole(self, organization_id: int) -> bool:
        return organization_id in self.organizations and self.organizations[organization_id] is None

    def departments(self, organization_id: int) -> set[int] | None:
        return self.organizations.get(organization_id)


def with_children(department_id: int) -> set[int]:
    found, frontier = {department_id}, {department_id}
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def insights_organizations(*, scope: InsightsScope) -> list[Organization]:
    return list(Organization.objects.filter(pk__in=scope.organizations.keys()).order_by("pk"))


def access_organization(*, scope: InsightsScope, slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug, pk__in=scope.organizations.keys()).first()
    if organization is None:
        raise Http404
    return organization


def access_department(*, scope: InsightsScope, organization: Organization, department_id: int) -> Department:
    department = Department.objects.filter(organization=organization, pk=department_id).first()
    allowed = scope.departments(organization.pk)
    if department is None or (allowed is not None and department.pk not in allowed):
        raise Http404
    return department


def access_procedure(*, scope: InsightsScope, organization: Organization, procedure_id: int) -> Procedure:
    procedure = Procedure.objects.filter(organization=organization, pk=procedure_id).first()
    allowed = scope.departments(organization.pk)
    if procedure is None or (allowed is not None and procedure.department_id not in allowed):
        raise Http404
    return procedure
