"""Shapes the route editor's form (no JavaScript needed).

The whole route travels in one form. Buttons such as 「段階を追加」 or 「上へ移動」 post it with
``op`` and the page comes back with the change applied and everything typed kept; only
「保存する」 (``op=save``) calls a service. Rules live in ``services.route_check``; this module
only turns the POST into rows and back.

Field names: ``name``, ``target``, ``make_default``, ``step_count``, ``s<i>-name``,
``s<i>-kind``, ``s<i>-mode``, ``s<i>-required_count``, ``s<i>-distinct_actor`` (``1`` when ticked),
``s<i>-deadline_days``, ``s<i>-slot_count``,
``s<i>-<j>-department``, ``s<i>-<j>-actor`` (``role:<role>`` or ``user:<id>``), ``s<i>-<j>-person_field``
(the key of an e-mail field naming the person, with a role: S3's 所属長).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from madoguchi.review.constants import StepKind, StepMode
from madoguchi.review.models import Route

# Caps on what is parsed from a post (the service reports the real limits to the user).
PARSE_MAX_STEPS = 30
PARSE_MAX_SLOTS = 30


def _count(data: Any, key: str, cap: int) -> int:
    try:
        return max(0, min(int(data.get(key, 0)), cap))
    except (TypeError, ValueError):
        return 0


def anchor(key: str) -> str:
    """The id of the element an error key belongs to: ``steps.2.slots.1.actor`` → ``s2-1-actor``."""
    parts = key.split(".")
    if parts[0] != "steps" or len(parts) == 1:
        return "f-" + key
    if len(parts) == 3 and parts[2] == "slots":
        return f"s{parts[1]}-slots"
    if len(parts) >= 5:
        return f"s{parts[1]}-{parts[3]}-{parts[4]}"
    if len(parts) == 4:
        return f"s{parts[1]}-{parts[3]}"
    return f"s{parts[1]}-{parts[2]}"


@dataclass
class SlotRow:
    department: str = ""
    actor: str = ""
    person_field: str = ""  # the step goes to the staff member typed in this e-mail field
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class StepRow:
    name: str = ""
    kind: str = StepKind.REVIEW
    mode: str = StepMode.ALL
    required_count: str = "1"
    distinct_actor: bool = False  # 職務の分離: done by someone who acted on no earlier step
    deadline_days: str = ""  # the step's own deadline in 開庁日 (empty: the case's only)
    slots: list[SlotRow] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RouteDraft:
    name: str = ""
    target: str = ""
    make_default: bool = True
    steps: list[StepRow] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (anchor, message) for the top
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (anchor, message): saved anyway

    @property
    def for_proposals(self) -> bool:
        """A 起案 route: every step is done by a different person by default."""
        return self.target.startswith("proposals:")

    # ------------------------------------------------------------------ building

    @classmethod
    def blank(cls, *, target: str = "") -> RouteDraft:
        """A new route: 審査 then 決裁, one empty slot each. The 決裁 (and, for 起案, every step)
        is done by someone who acted on no earlier step unless the editor unticks it."""
        proposals = target.startswith("proposals:")
        return cls(
            target=target,
            steps=[
                StepRow(name="", kind=StepKind.REVIEW, distinct_actor=proposals, slots=[SlotRow()]),
                StepRow(name="", kind=StepKind.DECISION, distinct_actor=True, slots=[SlotRow()]),
            ],
        )

    @classmethod
    def from_route(cls, route: Route) -> RouteDraft:
        steps = []
        for step in sorted(route.steps.all(), key=lambda s: s.position):
            slots = [
                SlotRow(
                    department=str(s.department_id or ""),
                    actor=f"user:{s.user_id}" if s.user_id else f"role:{s.role}" if s.role else "",
                    person_field=s.person_field,
                )
                for s in sorted(step.slots.all(), key=lambda s: s.pk)
            ]
            steps.append(
                StepRow(
                    name=step.name,
                    kind=step.kind,
                    mode=step.mode,
                    required_count=str(step.required_count),
                    distinct_actor=step.distinct_actor,
                    deadline_days="" if step.deadline_days is None else str(step.deadline_days),
                    slots=slots,
                )
            )
        target = (
            f"procedure:{route.procedure_id}" if route.procedure_id else f"proposals:{route.organization_id}"
        )
        return cls(name=route.name, target=target, make_default=route.is_default, steps=steps)

    @classmethod
    def from_post(cls, data: Any) -> RouteDraft:
        steps = []
        for i in range(_count(data, "step_count", PARSE_MAX_STEPS)):
            p = f"s{i}-"
            slots = [
                SlotRow(
                    department=str(data.get(f"{p}{j}-department", "")).strip(),
                    actor=str(data.get(f"{p}{j}-actor", "")).strip(),
                    person_field=str(data.get(f"{p}{j}-person_field", "")).strip(),
                )
                for j in range(_count(data, f"{p}slot_count", PARSE_MAX_SLOTS))
            ]
            steps.append(
                StepRow(
                    name=str(data.get(f"{p}name", "")),
                    kind=str(data.get(f"{p}kind", "")),
                    mode=str(data.get(f"{p}mode", "")),
                    required_count=str(data.get(f"{p}required_count", "")).strip(),
                    distinct_actor=data.get(f"{p}distinct_actor") == "1",
                    deadline_days=str(data.get(f"{p}deadline_days", "")).strip(),
                    slots=slots,
                )
            )
        return cls(
            name=str(data.get("name", "")),
            target=str(data.get("target", "")),
            make_default=data.get("make_default") == "1",
            steps=steps,
        )

    # ------------------------------------------------------------------ editing without JavaScript

    def apply(self, op: str) -> str:
        """Apply a button's operation; returns the anchor to show next ("" if unknown)."""
        verb, _, arg = op.partition(":")
        numbers = [int(n) for n in arg.split(".") if n.isdigit()]
        i = numbers[0] if numbers else -1
        j = numbers[1] if len(numbers) > 1 else -1
        if verb == "add_step" and len(self.steps) < PARSE_MAX_STEPS:
            # New steps go before the final 決裁 so the route stays valid.
            at = (
                len(self.steps) - 1
                if self.steps and self.steps[-1].kind == StepKind.DECISION
                else len(self.steps)
            )
            self.steps.insert(at, StepRow(distinct_actor=self.for_proposals, slots=[SlotRow()]))
            return f"s{at}"
        if not 0 <= i < len(self.steps):
            return ""
        step = self.steps[i]
        if verb == "remove_step":
            del self.steps[i]
            return "steps"
        if verb == "up" and i > 0:
            self.steps[i - 1], self.steps[i] = self.steps[i], self.steps[i - 1]
            return f"s{i - 1}"
        if verb == "down" and i < len(self.steps) - 1:
            self.steps[i + 1], self.steps[i] = self.steps[i], self.steps[i + 1]
            return f"s{i + 1}"
        if verb == "add_slot" and len(step.slots) < PARSE_MAX_SLOTS:
            step.slots.append(SlotRow())
            return f"s{i}-{len(step.slots) - 1}"
        if verb == "remove_slot" and 0 <= j < len(step.slots):
            del step.slots[j]
            return f"s{i}-slots"
        return f"s{i}"

    # ------------------------------------------------------------------ to the service and back

    def service_steps(self) -> list[dict[str, Any]]:
        return [
            {
                "name": step.name,
                "kind": step.kind,
                "mode": step.mode,
                "required_count": step.required_count,
                "distinct_actor": step.distinct_actor,
                "deadline_days": step.deadline_days,
                "slots": [
                    {"department": s.department, "actor": s.actor, "person_field": s.person_field}
                    for s in step.slots
                ],
            }
            for step in self.steps
        ]

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each message next to its field and in the summary at the top, in page order."""
        self.summary = []
        for key, messages in errors.items():
            parts = key.split(".")
            for message in messages:
                self.summary.append((anchor(key), message))
            if parts[0] != "steps" or len(parts) < 3 or not parts[1].isdigit():
                self.errors[key] = messages
                continue
            i = int(parts[1])
            if i >= len(self.steps):
                continue
            step = self.steps[i]
            if (
                len(parts) >= 5
                and parts[2] == "slots"
                and parts[3].isdigit()
                and int(parts[3]) < len(step.slots)
            ):
                step.slots[int(parts[3])].errors[parts[4]] = messages
            else:
                step.errors[parts[2]] = messages
        self.summary.sort(key=lambda item: _page_order(item[0]))

    def show_warnings(self, warnings: list[tuple[str, str]]) -> None:
        """Warnings (``services.route_warnings``): at the top, linked to the field, and next to it."""
        self.warnings = sorted(
            ((anchor(key), message) for key, message in warnings), key=lambda w: _page_order(w[0])
        )
        for key, message in warnings:
            parts = key.split(".")
            if (
                len(parts) == 3
                and parts[0] == "steps"
                and parts[1].isdigit()
                and int(parts[1]) < len(self.steps)
            ):
                self.steps[int(parts[1])].warnings.setdefault(parts[2], []).append(message)


_FIELD_ORDER = {
    "name": 0,
    "kind": 1,
    "mode": 2,
    "required_count": 3,
    "distinct_actor": 4,
    "deadline_days": 5,
    "slots": 6,
}


def _page_order(anchor_id: str) -> tuple[int, int, int]:
    """Sort the error summary like the page: target, name, steps, then each step top to bottom."""
    if anchor_id == "f-target":
        return (0, 0, 0)
    if anchor_id == "f-name":
        return (1, 0, 0)
    if not anchor_id.startswith("s"):
        return (2, 0, 0)
    parts = anchor_id[1:].split("-")
    step = int(parts[0]) if parts[0].isdigit() else 0
    if len(parts) == 3 and parts[1].isdigit():
        return (3 + step, 7 + int(parts[1]), {"department": 0, "actor": 1}.get(parts[2], 2))
    return (3 + step, _FIELD_ORDER.get(parts[-1], 0), 0)
