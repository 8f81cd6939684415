"""Saving the editor's route: define a new one, or revise one (in place, or as a new route
when a case has used it — see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.selectors import staff_email_fields
from madoguchi.review.constants import OPEN_STATUSES
from madoguchi.review.models import Case, Route, RouteStep, StepSlot
from madoguchi.review.route_editor.selectors import RouteTarget, access_route, route_targets, target_for
from madoguchi.review.route_editor.services.checking import route_check
from madoguchi.review.route_editor.services.defaults import (
    current_default,
    default_set,
    make_only_default,
    route_make_default,
)
from madoguchi.review.route_editor.services.snapshots import required_count, resolved_snapshot, route_snapshot
from madoguchi.review.services.routes import route_create


def person_fields_of(procedure: Any) -> dict[str, str]:
    """The e-mail fields of the procedure a step may go to the person of (key → label)."""
    return dict(staff_email_fields(procedure)) if procedure is not None else {}


@dataclass(frozen=True)
class Revision:
    """What ``route_revise`` did: ``route`` is the route to show next."""

    route: Route
    replaced: bool = False  # saved as a new route; the old one kept for its cases
    unchanged: bool = False
    open_cases: int = 0


def route_define(
    *, user: User, target: str, name: str, steps: list[dict[str, Any]], make_default: bool = True
) -> Route:
    """Create a route for a procedure or for proposals (起案) from the editor's input."""
    chosen: RouteTarget | None = target_for(user=user, value=target or "")
    if chosen is None:
        errors = {"target": [_("経路を使う手続（または起案）を選んでください。")]}
        fallback = next(iter(route_targets(user=user)), None)
        try:
            route_check(organization=getattr(fallback, "organization", None), name=name, steps=steps)
        except FieldErrors as exc:
            errors.update(exc.errors)
        raise FieldErrors(errors)
    resolved = route_check(
        organization=chosen.organization,
        name=name,
        steps=steps,
        proposals=chosen.procedure is None,
        person_fields=person_fields_of(chosen.procedure),
    )
    organization_id = chosen.organization.pk
    procedure_id = chosen.procedure.pk if chosen.procedure else None
    with transaction.atomic():
        previous = current_default(organization_id=organization_id, procedure_id=procedure_id)
        route = route_create(
            organization=chosen.organization,
            procedure=chosen.procedure,
            name=name.strip(),
            steps=resolved,
            actor=user,
            is_default=make_default,
        )
        if make_default:
            default_set(user=user, route=route, previous=previous)
    return route


def route_revise(
    *, user: User, route_id: int, name: str, steps: list[dict[str, Any]], make_default: bool
) -> Revision:
    """Save the edited route: in place when no case uses it, otherwise as a new route."""
    with transaction.atomic():
        # The row lock makes a case opening on this route wait (its foreign key needs the row),
        # so "no case uses it" cannot change between the check and the update.
        route = access_route(user=user, route_id=route_id, for_update=True)
        resolved = route_check(
            organization=route.organization,
            name=name,
            steps=steps,
            proposals=route.procedure_id is None,
            person_fields=person_fields_of(route.procedure),
        )
        before = route_snapshot(route)
        after = resolved_snapshot(name, resolved)
        open_cases = Case.objects.filter(route=route, status__in=OPEN_STATUSES).count()
        if before == after:
            # Only the flag may differ; it matters to new cases only, so it changes in place.
            if make_default == route.is_default:
                return Revision(route=route, unchanged=True, open_cases=open_cases)
            if make_default:
                return Revision(route=route_make_default(user=user, route_id=route.pk), open_cases=open_cases)
            route.is_default = False
            route.save(update_fields=["is_default", "updated_at"])
            audit_record(
                actor=user,
                action="route.default_cleared",
                target=route,
                before={"default": route.pk},
                after={"default": None},
            )
            return Revision(route=route, open_cases=open_cases)
        was_default = route.is_default
        if Case.objects.filter(route=route).exists():
            previous = current_default(organization_id=route.organization_id, procedure_id=route.procedure_id)
            new = route_create(
                organization=route.organization,
                procedure=route.procedure,
                name=name.strip(),
                steps=resolved,
                actor=user,
                is_default=make_default,
            )
            if make_default:
                make_only_default(new)
            audit_record(
                actor=user,
                action="route.replaced",
                target=route,
                before={**before, "default": previous},
                after={**after, "replaced_by": new.pk, "open_cases": open_cases, "default": make_default},
            )
            return Revision(route=new, replaced=True, open_cases=open_cases)
        RouteStep.objects.filter(route=route).delete()  # its slots go with it (CASCADE); no task uses them
        for position, step in enumerate(resolved, start=1):
            route_step = RouteStep.objects.create(
                route=route,
                position=position,
                name=step["name"],
                kind=step["kind"],
                mode=step["mode"],
                required_count=required_count(step),
                distinct_actor=step["distinct_actor"],
                deadline_days=step["deadline_days"],
            )
            StepSlot.objects.bulk_create(
                StepSlot(
                    step=route_step,
                    department=s["department"],
                    role=s["role"],
                    user=s["user"],
                    person_field=s.get("person_field", ""),
                )
                for s in step["slots"]
            )
        route.name = name.strip()
        route.save(update_fields=["name", "updated_at"])
        if make_default:
            make_only_default(route)
        elif was_default:
            # Unticking 「既定の経路にする」 on the default leaves the procedure without a default:
            # its next application gets a standard route (route_for_procedure).
            route.is_default = False
            route.save(update_fields=["is_default", "updated_at"])
        audit_record(
            actor=user,
            action="route.updated",
            target=route,
            before={**before, "default": was_default},
            after={**after, "default": make_default},
        )
    return Revision(route=route)
