"""The default route of a procedure (or of an organization's 起案): one per procedure, audited."""

from __future__ import annotations

from django.db import transaction

from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.review.models import Route
from madoguchi.review.route_editor.selectors import access_route


def route_siblings(*, organization_id: int, procedure_id: int | None):
    """Routes competing for 'default': the same procedure's, or the organization's 起案 routes."""
    if procedure_id is not None:
        return Route.objects.filter(procedure_id=procedure_id)
    return Route.objects.filter(organization_id=organization_id, procedure__isnull=True)


def current_default(
    *, organization_id: int, procedure_id: int | None, exclude: int | None = None
) -> int | None:
    qs = route_siblings(organization_id=organization_id, procedure_id=procedure_id).filter(is_default=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("-id").values_list("pk", flat=True).first()


def make_only_default(route: Route) -> None:
    """Mark ``route`` the default and clear the flag on its siblings."""
    siblings = route_siblings(organization_id=route.organization_id, procedure_id=route.procedure_id)
    siblings.filter(is_default=True).exclude(pk=route.pk).update(is_default=False)
    if not route.is_default:
        route.is_default = True
        route.save(update_fields=["is_default", "updated_at"])


def default_set(*, user: User, route: Route, previous: int | None) -> None:
    """Make ``route`` the only default and record it (``previous``: the default it replaces)."""
    make_only_default(route)
    audit_record(
        actor=user,
        action="route.default_set",
        target=route,
        before={"default": previous},
        after={"default": route.pk},
    )


def route_make_default(*, user: User, route_id: int) -> Route:
    """Make the route the default of its procedure (or of the organization's 起案)."""
    with transaction.atomic():
        route = access_route(user=user, route_id=route_id, for_update=True)
        previous = current_default(
            organization_id=route.organization_id, procedure_id=route.procedure_id, exclude=route.pk
        )
        if route.is_default and previous is None:
            return route
        default_set(user=user, route=route, previous=previous)
    return route
