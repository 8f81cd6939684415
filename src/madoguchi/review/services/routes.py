"""Routes (経路): creating them, and the default route of a procedure."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.types import Actor
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.core.memo import memoized
from madoguchi.review.constants import StepKind, StepMode
from madoguchi.review.models import Route, RouteStep, StepSlot


def route_create(
    *,
    organization: Any,
    name: str,
    steps: list[dict[str, Any]],
    procedure: Any = None,
    actor: Actor = None,
    is_default: bool = True,
) -> Route:
    """Create a route. ``steps``: [{"name", "kind", "mode", "required_count", "distinct_actor",
    "deadline_days", "slots": [{"department": Department|None, "role": str, "user": User|None,
    "person_field": str, "label": str}]}]; ``person_field`` (with a role): the step goes to the staff
    member whose address the applicant typed in that e-mail field (StepSlot).

    ``distinct_actor`` (職務の分離) defaults to on for decision steps and for every step of a
    proposal (起案) route; ``deadline_days`` is the step's own deadline in business days."""
    errors: dict[str, list[str]] = {}
    if not steps:
        errors["steps"] = [_("段階を1つ以上設定してください。")]
    for i, step in enumerate(steps):
        slots = step.get("slots") or []
        if not slots:
            errors[f"steps.{i}.slots"] = [_("各段階に処理する人または部署・役割を設定してください。")]
        mode = step.get("mode", StepMode.ALL)
        if mode == StepMode.N_OF_M and not (1 <= int(step.get("required_count") or 0) <= len(slots)):
            errors[f"steps.{i}.required_count"] = [_("必要人数は1人以上、処理者の数以下にしてください。")]
        for j, slot in enumerate(slots):
            if not slot.get("user") and not slot.get("role"):
                errors[f"steps.{i}.slots.{j}"] = [_("処理する人か役割を指定してください。")]
    if steps and steps[-1].get("kind") != StepKind.DECISION:
        errors["steps"] = [_("最後の段階は決裁にしてください。")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        if procedure is not None and is_default:
            Route.objects.filter(procedure=procedure, is_default=True).update(is_default=False)
        route = Route.objects.create(
            organization=organization, procedure=procedure, name=name, is_default=is_default
        )
        for position, step in enumerate(steps, start=1):
            mode = step.get("mode", StepMode.ALL)
            slots = step["slots"]
            required = (
                len(slots)
                if mode == StepMode.ALL
                else 1
                if mode == StepMode.ANY
                else int(step["required_count"])
            )
            route_step = RouteStep.objects.create(
                route=route,
                position=position,
                name=step["name"],
                kind=step.get("kind", StepKind.REVIEW),
                mode=mode,
                required_count=required,
                distinct_actor=bool(
                    step.get("distinct_actor", step.get("kind") == StepKind.DECISION or procedure is None)
                ),
                deadline_days=step.get("deadline_days"),
            )
            for slot in slots:
                StepSlot.objects.create(
                    step=route_step,
                    department=slot.get("department"),
                    role=slot.get("role", ""),
                    user=slot.get("user"),
                    person_field=slot.get("person_field", "") if not slot.get("user") else "",
                    label=slot.get("label", ""),
                )
        audit_record(
            actor=actor or "system",
            action="route.created",
            target=route,
            after={
                "name": name,
                "procedure": getattr(procedure, "pk", None),
                "steps": [
                    {
                        "name": s["name"],
                        "kind": s.get("kind"),
                        "mode": s.get("mode", StepMode.ALL),
                        "slots": len(s["slots"]),
                    }
                    for s in steps
                ],
            },
        )
    return route


def route_for_procedure(*, procedure: Any) -> Route:
    """The procedure's default route; a two-step one (審査 → 決裁) is created if none exists."""
    route = memoized(
        ("review.route_for_procedure", procedure.pk),
        lambda: Route.objects.filter(procedure=procedure, is_default=True).order_by("-id").first(),
        keep_none=False,
        kept=True,
    )
    if route is not None:
        return route
    department = procedure.department
    return route_create(
        organization=procedure.organization,
        procedure=procedure,
        name=_("%(title)s（標準経路）") % {"title": procedure.title},
        steps=[
            {
                "name": _("審査"),
                "kind": StepKind.REVIEW,
                "slots": [{"department": department, "role": Role.REVIEWER}],
            },
            {
                "name": _("決裁"),
                "kind": StepKind.DECISION,
                "slots": [{"department": department, "role": Role.APPROVER}],
            },
        ],
    )


def route_for_proposals(*, organization: Any, route_id: int | None = None) -> Route:
    from madoguchi.review.route_editor.selectors import replaced_by

    qs = Route.objects.filter(organization=organization, procedure__isnull=True)
    route = qs.filter(pk=route_id).first() if route_id else qs.filter(is_default=True).order_by("-id").first()
    if route is not None and route_id and replaced_by([route.pk]):
        raise FieldErrors(
            {"route": [_("この経路は新しい経路に置き換えられています。経路を選び直してください。")]}
        )
    if route is None:
        raise FieldErrors({"route": [_("起案の経路が設定されていません。管理者に連絡してください。")]})
    return route
