"""Reads of the route editor. ``access_route`` fetches *and* checks permission (404 otherwise).

Who may edit (docs/backoffice.md): 管理者 (admin) for every route of its organization; 手続所管
(owner) for the procedures of its department, or for every route of the organization when its
membership has no department. Proposal (起案) routes belong to no department, so they need an
admin or an organization-wide owner. Everyone else gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Department, Membership, Organization, User
from madoguchi.audit.models import AuditEntry
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.selectors import staff_email_fields
from madoguchi.review.constants import ACT_ROLES, OPEN_STATUSES
from madoguchi.review.models import Route, RouteStep, StepSlot
from madoguchi.review.permissions import CaseScope

EDITOR_ROLES = {Role.OWNER, Role.ADMIN}
PROPOSALS = "proposals"


@dataclass(frozen=True)
class RouteTarget:
    """What a route is for: one procedure, or the proposals (起案) of an organization."""

    organization: Organization
    procedure: Procedure | None = None

    @property
    def value(self) -> str:
        if self.procedure is not None:
            return f"procedure:{self.procedure.pk}"
        return f"{PROPOSALS}:{self.organization.pk}"

    @property
    def label(self) -> str:
        if self.procedure is not None:
            return self.procedure.title
        return _("起案（電子決裁）")


@dataclass
class TargetSection:
    target: RouteTarget
    routes: list[Route] = field(default_factory=list)


@dataclass
class OrganizationSection:
    organization: Organization
    sections: list[TargetSection] = field(default_factory=list)


def editor_scope(user: User) -> CaseScope:
    """The scope of a user who may edit at least one route; 404 for everyone else."""
    scope = CaseScope.of(user)
    if not scope.has_role(*EDITOR_ROLES):
        raise Http404
    return scope


def may_edit(scope: CaseScope, *, organization_id: int, procedure: Procedure | None) -> bool:
    department_id = procedure.department_id if procedure is not None else None
    if procedure is not None and procedure.organization_id != organization_id:
        return False
    return scope.covers(organization_id=organization_id, department_id=department_id, roles=EDITOR_ROLES)


def route_targets(*, user: User) -> list[RouteTarget]:
    """Every procedure (and proposals) this user may define routes for, by organization."""
    scope = editor_scope(user)
    org_ids = scope.organization_ids(EDITOR_ROLES)
    organizations = {o.pk: o for o in Organization.objects.filter(pk__in=org_ids).order_by("id")}
    targets: list[RouteTarget] = []
    procedures = (
        Procedure.objects.filter(organization_id__in=org_ids)
        .select_related("current_version")
        .order_by("organization_id", "title", "id")
    )
    by_org: dict[int, list[Procedure]] = {}
    for procedure in procedures:
        by_org.setdefault(procedure.organization_id, []).append(procedure)
    for org_id, organization in organizations.items():
        if may_edit(scope, organization_id=org_id, procedure=None):
            targets.append(RouteTarget(organization=organization))
        for procedure in by_org.get(org_id, []):
            if may_edit(scope, organization_id=org_id, procedure=procedure):
                procedure.organization = organization
                targets.append(RouteTarget(organization=organization, procedure=procedure))
    return targets


def target_for(*, user: User, value: str) -> RouteTarget | None:
    """The target named by ``value`` (``procedure:<id>`` / ``proposals:<org id>``) if it is yours."""
    for target in route_targets(user=user):
        if target.value == value:
            return target
    return None


def _with_steps(qs: QuerySet[Route]) -> QuerySet[Any]:  # routes annotated with open_cases
    slots = StepSlot.objects.select_related("department", "user").order_by("id")
    steps = RouteStep.objects.order_by("position").prefetch_related(Prefetch("slots", queryset=slots))
    return qs.prefetch_related(Prefetch("steps", queryset=steps)).annotate(
        open_cases=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES)),
        all_cases=Count("cases"),
    )


def replaced_by(route_ids: list[int]) -> dict[int, int]:
    """{old route id: new route id} from the audit entries written when a route was replaced."""
    entries = AuditEntry.objects.filter(
        action="route.replaced", target_type="review.route", target_id__in=[str(i) for i in route_ids]
    ).only("target_id", "after")
    return {int(e.target_id): int((e.after or {}).get("replaced_by") or 0) for e in entries}


def route_overview(*, user: User) -> list[OrganizationSection]:
    """The list page: per organization, each procedure (and 起案) with its routes, steps and slots."""
    targets = route_targets(user=user)
    org_ids = {t.organization.pk for t in targets}
    routes = list(
        _with_steps(Route.objects.filter(organization_id__in=org_ids)).order_by("-is_default", "-id")
    )
    replaced = replaced_by([r.pk for r in routes])
    by_key: dict[tuple[int, int | None], list[Route]] = {}
    for route in routes:
        route.replaced_by_id = replaced.get(route.pk)
        by_key.setdefault((route.organization_id, route.procedure_id), []).append(route)
    result: list[OrganizationSection] = []
    for target in targets:
        if not result or result[-1].organization.pk != target.organization.pk:
            result.append(OrganizationSection(organization=target.organization))
        key = (target.organization.pk, target.procedure.pk if target.procedure else None)
        result[-1].sections.append(TargetSection(target=target, routes=by_key.get(key, [])))
    return result


def access_route(*, user: User, route_id: int, for_update: bool = False) -> Route:
    """The route if ``user`` may edit it; Http404 otherwise (no hint that it exists)."""
    scope = editor_scope(user)
    try:
        route_id = int(route_id)
    except (TypeError, ValueError):
        raise Http404 from None
    qs = Route.objects.select_related("organization", "procedure")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    route = qs.filter(pk=route_id).first()
    if route is None or not may_edit(scope, organization_id=route.organization_id, procedure=route.procedure):
        raise Http404
    return route


def route_detail(*, user: User, route_id: int) -> Route:
    """The edit page's route with steps, slots, case counts and what replaced it (if anything)."""
    route = access_route(user=user, route_id=route_id)
    route = _with_steps(Route.objects.select_related("organization", "procedure")).get(pk=route.pk)
    route.replaced_by_id = replaced_by([route.pk]).get(route.pk)
    return route


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class EditorChoices:
    departments: list[Choice]
    roles: list[Choice]
    people: list[Choice]
    # e-mail fields of the procedures that name a staff member (S3's 所属長のメールアドレス)
    person_fields: list[Choice] = field(default_factory=list)


def editor_choices(
    *, organizations: list[Organization], procedures: list[Procedure] | None = None
) -> EditorChoices:
    """Departments, acting roles and acting staff of the organizations, and the procedures'
    e-mail fields that name a staff member, for the slot selects."""
    several = len({o.pk for o in organizations}) > 1
    org_ids = [o.pk for o in organizations]

    def prefix(organization: Organization) -> str:
        return f"{organization.name} " if several else ""

    departments = [
        Choice(str(d.pk), f"{prefix(d.organization)}{d.name}")
        for d in Department.objects.filter(organization_id__in=org_ids)
        .select_related("organization")
        .order_by("organization_id", "name", "id")
    ]
    roles = [Choice(f"role:{r.value}", str(r.label)) for r in Role if r in ACT_ROLES]
    people: list[Choice] = []
    seen: set[int] = set()
    memberships = (
        Membership.objects.filter(organization_id__in=org_ids, role__in=ACT_ROLES, user__is_active=True)
        .select_related("user", "department", "organization")
        .order_by("organization_id", "user__display_name", "user__email", "id")
    )
    for m in memberships:
        if m.user_id in seen:
            continue
        seen.add(m.user_id)
        where = m.department.name if m.department else m.organization.name
        name = m.user.display_name or m.user.email
        people.append(
            Choice(f"user:{m.user_id}", f"{prefix(m.organization)}{name}（{where}・{m.get_role_display()}）")
        )
    person_fields: list[Choice] = []
    several_procedures = len(procedures or []) > 1
    for procedure in procedures or []:
        for key, label in staff_email_fields(procedure):
            shown = f"{procedure.title}: {label}" if several_procedures else label
            if not any(c.value == key and c.label == shown for c in person_fields):
                person_fields.append(Choice(key, shown))
    return EditorChoices(departments=departments, roles=roles, people=people, person_fields=person_fields)
