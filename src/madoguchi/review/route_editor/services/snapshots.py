"""A route as plain data: the audit chain's ``before``/``after``, and whether an edit changed anything."""

from __future__ import annotations

from typing import Any

from madoguchi.review.constants import StepMode
from madoguchi.review.models import Route


def required_count(step: dict[str, Any]) -> int:
    if step["mode"] == StepMode.ALL:
        return len(step["slots"])
    if step["mode"] == StepMode.ANY:
        return 1
    return int(step["required_count"])


def route_snapshot(route: Route) -> dict[str, Any]:
    """The route as plain data (audit ``before``/``after``, and to tell whether anything changed)."""
    return {
        "name": route.name,
        "steps": [
            {
                "name": step.name,
                "kind": step.kind,
                "mode": step.mode,
                "required_count": step.required_count,
                "distinct_actor": step.distinct_actor,
                "deadline_days": step.deadline_days,
                "slots": [
                    {
                        "department": s.department_id,
                        "role": s.role,
                        "user": s.user_id,
                        **({"person_field": s.person_field} if s.person_field else {}),
                    }
                    for s in sorted(step.slots.all(), key=lambda s: s.pk)
                ],
            }
            for step in sorted(route.steps.all(), key=lambda s: s.position)
        ],
    }


def resolved_snapshot(name: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name.strip(),
        "steps": [
            {
                "name": step["name"],
                "kind": step["kind"],
                "mode": step["mode"],
                "required_count": required_count(step),
                "distinct_actor": step["distinct_actor"],
                "deadline_days": step["deadline_days"],
                "slots": [
                    {
                        "department": getattr(s["department"], "pk", None),
                        "role": s["role"],
                        "user": getattr(s["user"], "pk", None),
                        **({"person_field": s["person_field"]} if s.get("person_field") else {}),
                    }
                    for s in step["slots"]
                ],
            }
            for step in steps
        ],
    }
