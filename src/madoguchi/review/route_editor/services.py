"""Writes of the route editor: define a route, revise it, make it the default.

A route that a case uses (open *or* closed) is never changed in place: the engine reads the
case's ``Route``/``RouteStep``/``StepSlot`` rows at every step, ``TaskState`` rows point at
them (PROTECT), and the case page shows the route a case went through. Revising such a route
therefore creates a new route (``route.replaced`` in the audit chain links old → new); its
cases finish on the old one. A route no case has used yet is updated in place.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, Membership
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.review.constants import ACT_ROLES, OPEN_STATUSES, ORG_WIDE_ROLES, StepKind, StepMode
from madoguchi.review.models import Case, Route, RouteStep, StepSlot
from madoguchi.review.route_editor.selectors import RouteTarget, access_route, route_targets, target_for
from madoguchi.review.services.routes import route_create

MAX_STEPS = 20
MAX_SLOTS = 20
NAME_MAX = 200
STEP_NAME_MAX = 100
MAX_DEADLINE_DAYS = 250  # about a year of 開庁日


@dataclass(frozen=True)
class Revision:
    """What ``route_revise`` did: ``route`` is the route to show next."""

    route: Route
    replaced: bool = False  # saved as a new route; the old one kept for its cases
    unchanged: bool = False
    open_cases: int = 0


# ---------------------------------------------------------------------------- checking input


def _int(value: Any) -> int | None:
    """A whole number typed by a person (full-width digits too)."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if not text or not text.isascii() or not text.lstrip("-").isdigit():
        return None
    return int(text)


def _person(user: Any) -> str:
    return str(getattr(user, "display_name", "") or getattr(user, "email", "") or user)


def route_check(
    *, organization: Any, name: str, steps: list[dict[str, Any]], proposals: bool = False
) -> list[dict[str, Any]]:
    """Validate the editor's raw input and resolve it into ``route_create``'s ``steps``.

    ``steps``: ``[{"name", "kind", "mode", "required_count", "distinct_actor": bool,
    "deadline_days": "<開庁日>"|"", "slots": [{"department": "<id>"|"", "actor": "role:<role>"|"user:<id>"}]}]``
    (strings as posted). Raises ``FieldErrors`` keyed
    ``name``, ``steps``, ``steps.<i>.<field>``, ``steps.<i>.slots`` and ``steps.<i>.slots.<j>.<field>``.
    """
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    name = (name or "").strip()
    if not name:
        add("name", _("経路名を入力してください。"))
    elif len(name) > NAME_MAX:
        add("name", _("経路名は%(max)s文字以内で入力してください。") % {"max": NAME_MAX})
    if not steps:
        add("steps", _("段階を1つ以上追加してください。最後の段階は決裁にします。"))
    elif len(steps) > MAX_STEPS:
        add("steps", _("段階は%(max)s個までにしてください。") % {"max": MAX_STEPS})

    department_ids = {_int(s.get("department")) for step in steps for s in step.get("slots") or []}
    departments = {
        d.pk: d for d in Department.objects.filter(organization=organization, pk__in=department_ids - {None})
    }
    user_ids = set()
    for step in steps:
        for s in step.get("slots") or []:
            actor = str(s.get("actor") or "")
            if actor.startswith("user:"):
                user_ids.add(_int(actor[5:]))
    people = {
        m.user_id: m.user
        for m in Membership.objects.filter(
            organization=organization, role__in=ACT_ROLES, user_id__in=user_ids - {None}, user__is_active=True
        ).select_related("user")
    }

    resolved: list[dict[str, Any]] = []
    last = len(steps) - 1
    for i, step in enumerate(steps):
        key = f"steps.{i}"
        step_name = (step.get("name") or "").strip()
        if not step_name:
            add(f"{key}.name", _("段階名を入力してください。"))
        elif len(step_name) > STEP_NAME_MAX:
            add(f"{key}.name", _("段階名は%(max)s文字以内で入力してください。") % {"max": STEP_NAME_MAX})
        kind = step.get("kind") or ""
        if kind not in StepKind.values:
            add(f"{key}.kind", _("段階の種類を選んでください。"))
        elif kind == StepKind.DECISION and i != last:
            add(f"{key}.kind", _("決裁の段階は最後に置いてください。決裁の後に段階は置けません。"))
        elif kind != StepKind.DECISION and i == last:
            add(f"{key}.kind", _("最後の段階は決裁にしてください。"))
        mode = step.get("mode") or ""
        if mode not in StepMode.values:
            add(f"{key}.mode", _("処理のしかたを選んでください。"))

        raw_slots = step.get("slots") or []
        if not raw_slots:
            add(f"{key}.slots", _("処理する人（部署と役割、または職員）を1つ以上設定してください。"))
        elif len(raw_slots) > MAX_SLOTS:
            add(
                f"{key}.slots", _("処理する人は1つの段階に%(max)s件までにしてください。") % {"max": MAX_SLOTS}
            )
        slots: list[dict[str, Any]] = []
        seen_people: set[int] = set()
        for j, raw in enumerate(raw_slots):
            slot_key = f"{key}.slots.{j}"
            slot: dict[str, Any] = {"department": None, "role": "", "user": None}
            department_value = str(raw.get("department") or "").strip()
            if department_value:
                department = departments.get(_int(department_value))
                if department is None:
                    add(f"{slot_key}.department", _("この団体の部署を選んでください。"))
                slot["department"] = department
            actor = str(raw.get("actor") or "").strip()
            if not actor:
                add(f"{slot_key}.actor", _("役割か職員を選んでください。"))
            elif actor.startswith("role:"):
                role = actor[5:]
                if role not in ACT_ROLES:
                    add(f"{slot_key}.actor", _("審査や決裁ができる役割を選んでください。"))
                elif not department_value and role not in ORG_WIDE_ROLES:
                    add(
                        f"{slot_key}.department",
                        _(
                            "役割で指定するときは部署を選んでください（総務事務センター・管理者は部署なしで構いません）。"
                        ),
                    )
                slot["role"] = role
            elif actor.startswith("user:"):
                person = people.get(_int(actor[5:]))
                if person is None:
                    add(f"{slot_key}.actor", _("この団体で審査や決裁ができる職員を選んでください。"))
                elif person.pk in seen_people:
                    add(f"{slot_key}.actor", _("同じ職員がこの段階に2回指定されています。"))
                else:
                    seen_people.add(person.pk)
                slot["user"] = person
            else:
                add(f"{slot_key}.actor", _("役割か職員を選んでください。"))
            slots.append(slot)

        required = 1
        if mode == StepMode.N_OF_M:
            count = _int(step.get("required_count"))
            if count is None:
                add(f"{key}.required_count", _("必要な人数を半角数字で入力してください。"))
            elif count < 1:
                add(f"{key}.required_count", _("必要な人数は1人以上にしてください。"))
            elif raw_slots and count > len(raw_slots):
                add(
                    f"{key}.required_count",
                    _(
                        "必要な人数（%(count)s人）が処理する人の数（%(slots)s）を超えています。"
                        "人数を減らすか、処理する人を追加してください。"
                    )
                    % {"count": count, "slots": len(raw_slots)},
                )
            else:
                required = count
        deadline_text = str(step.get("deadline_days") or "").strip()
        deadline: int | None = None
        if deadline_text:
            deadline = _int(deadline_text)
            if deadline is None or not 1 <= deadline <= MAX_DEADLINE_DAYS:
                add(
                    f"{key}.deadline_days",
                    _("段階の期限は、1から%(max)sまでの開庁日の数を数字で入力してください（例: 3）。")
                    % {"max": MAX_DEADLINE_DAYS},
                )
                deadline = None
        # Absent (a caller other than the form): the default — on for 決裁 and for every step of
        # a 起案 route (``proposals``); the form always sends it (an unticked box is False).
        raw_distinct = step.get("distinct_actor")
        if raw_distinct is None:
            distinct = proposals or kind == StepKind.DECISION
        elif isinstance(raw_distinct, bool):
            distinct = raw_distinct
        else:
            distinct = str(raw_distinct).strip().lower() in ("1", "true", "on", "yes")
        if distinct:
            # A named person who must approve an earlier step could never act here: the case
            # would stop at this step (職務の分離).
            for earlier_index, earlier in enumerate(resolved):
                must = earlier["mode"] == StepMode.ALL or len(earlier["slots"]) == 1
                named = {s["user"].pk for s in earlier["slots"] if s["user"] is not None}
                for j, slot in enumerate(slots):
                    if must and slot["user"] is not None and slot["user"].pk in named:
                        add(
                            f"{key}.slots.{j}.actor",
                            _(
                                "%(person)sさんは前の段階「%(step)s」で承認するため、前の段階と別の人が"
                                "処理するこの段階は処理できません。別の職員を選ぶか、「前の段階と別の人が"
                                "処理する」を外してください。"
                            )
                            % {"person": _person(slot["user"]), "step": earlier["name"] or earlier_index + 1},
                        )
        resolved.append(
            {
                "name": step_name,
                "kind": kind,
                "mode": mode,
                "required_count": required,
                "distinct_actor": distinct,
                "deadline_days": deadline,
                "slots": slots,
            }
        )
    if errors:
        raise FieldErrors(errors)
    return resolved


def route_warnings(*, steps: list[dict[str, Any]], standard_days: int | None = None) -> list[tuple[str, str]]:
    """What the route will do that its editor may not expect; it is saved anyway.

    ``steps`` as ``route_check`` takes them (raw input is fine: unreadable values are skipped).
    Returns ``[(error key, message)]``:

    - a 決裁 with several people in a mode other than 「全員」: the mode counts approvals only —
      the engine decides 不承認 at the first rejection without waiting for the others;
    - a 決裁 not marked 「前の段階と別の人が処理する」: whoever reviewed may decide alone;
    - a step deadline longer than the procedure's 標準処理期間: the case's deadline comes first.
    """
    warnings: list[tuple[str, str]] = []
    for i, step in enumerate(steps):
        key = f"steps.{i}"
        label = (str(step.get("name") or "").strip()) or _("段階 %(n)s") % {"n": i + 1}
        slots = step.get("slots") or []
        mode = step.get("mode")
        if step.get("kind") == StepKind.DECISION:
            if len(slots) > 1 and mode in (StepMode.ANY, StepMode.N_OF_M):
                warnings.append(
                    (
                        f"{key}.mode",
                        _(
                            "決裁の段階「%(step)s」の「%(mode)s」は、承認の数にだけ使われます。決裁では"
                            "1人でも不承認にすると、ほかの人を待たずにその場で不承認に決まります。"
                            "全員で決裁するときは「全員」を選んでください。"
                        )
                        % {"step": label, "mode": StepMode(mode).label},
                    )
                )
            if not step.get("distinct_actor"):
                warnings.append(
                    (
                        f"{key}.distinct_actor",
                        _(
                            "決裁の段階「%(step)s」は、前の段階を処理した人も決裁できます"
                            "（職務の分離がありません）。審査と決裁を別の人にするには"
                            "「前の段階と別の人が処理する」を選んでください。"
                        )
                        % {"step": label},
                    )
                )
        deadline = _int(step.get("deadline_days"))
        if deadline is not None and standard_days and deadline > standard_days:
            warnings.append(
                (
                    f"{key}.deadline_days",
                    _(
                        "段階「%(step)s」の期限（%(days)s開庁日）は、手続の標準処理期間（%(standard)s開庁日）"
                        "より長いため、案件全体の期限が先に来ます。"
                    )
                    % {"step": label, "days": deadline, "standard": standard_days},
                )
            )
    return warnings


def _required(step: dict[str, Any]) -> int:
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
                    {"department": s.department_id, "role": s.role, "user": s.user_id}
                    for s in sorted(step.slots.all(), key=lambda s: s.pk)
                ],
            }
            for step in sorted(route.steps.all(), key=lambda s: s.position)
        ],
    }


def _resolved_snapshot(name: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name.strip(),
        "steps": [
            {
                "name": step["name"],
                "kind": step["kind"],
                "mode": step["mode"],
                "required_count": _required(step),
                "distinct_actor": step["distinct_actor"],
                "deadline_days": step["deadline_days"],
                "slots": [
                    {
                        "department": getattr(s["department"], "pk", None),
                        "role": s["role"],
                        "user": getattr(s["user"], "pk", None),
                    }
                    for s in step["slots"]
                ],
            }
            for step in steps
        ],
    }


def _siblings(*, organization_id: int, procedure_id: int | None):
    """Routes competing for 'default': the same procedure's, or the organization's 起案 routes."""
    if procedure_id is not None:
        return Route.objects.filter(procedure_id=procedure_id)
    return Route.objects.filter(organization_id=organization_id, procedure__isnull=True)


def _current_default(
    *, organization_id: int, procedure_id: int | None, exclude: int | None = None
) -> int | None:
    qs = _siblings(organization_id=organization_id, procedure_id=procedure_id).filter(is_default=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("-id").values_list("pk", flat=True).first()


def _make_only_default(route: Route) -> None:
    """Mark ``route`` the default and clear the flag on its siblings."""
    siblings = _siblings(organization_id=route.organization_id, procedure_id=route.procedure_id)
    siblings.filter(is_default=True).exclude(pk=route.pk).update(is_default=False)
    if not route.is_default:
        route.is_default = True
        route.save(update_fields=["is_default", "updated_at"])


# ---------------------------------------------------------------------------- services


def route_define(
    *, user: Any, target: str, name: str, steps: list[dict[str, Any]], make_default: bool = True
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
        organization=chosen.organization, name=name, steps=steps, proposals=chosen.procedure is None
    )
    organization_id = chosen.organization.pk
    procedure_id = chosen.procedure.pk if chosen.procedure else None
    with transaction.atomic():
        previous = _current_default(organization_id=organization_id, procedure_id=procedure_id)
        route = route_create(
            organization=chosen.organization,
            procedure=chosen.procedure,
            name=name.strip(),
            steps=resolved,
            actor=user,
            is_default=make_default,
        )
        if make_default:
            _make_only_default(route)
            audit_record(
                actor=user,
                action="route.default_set",
                target=route,
                before={"default": previous},
                after={"default": route.pk},
            )
    return route


def route_revise(
    *, user: Any, route_id: Any, name: str, steps: list[dict[str, Any]], make_default: bool
) -> Revision:
    """Save the edited route: in place when no case uses it, otherwise as a new route."""
    with transaction.atomic():
        # The row lock makes a case opening on this route wait (its foreign key needs the row),
        # so "no case uses it" cannot change between the check and the update.
        route = access_route(user=user, route_id=route_id, for_update=True)
        resolved = route_check(
            organization=route.organization, name=name, steps=steps, proposals=route.procedure_id is None
        )
        before = route_snapshot(route)
        after = _resolved_snapshot(name, resolved)
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
            previous = _current_default(
                organization_id=route.organization_id, procedure_id=route.procedure_id
            )
            new = route_create(
                organization=route.organization,
                procedure=route.procedure,
                name=name.strip(),
                steps=resolved,
                actor=user,
                is_default=make_default,
            )
            if make_default:
                _make_only_default(new)
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
                required_count=_required(step),
                distinct_actor=step["distinct_actor"],
                deadline_days=step["deadline_days"],
            )
            StepSlot.objects.bulk_create(
                StepSlot(step=route_step, department=s["department"], role=s["role"], user=s["user"])
                for s in step["slots"]
            )
        route.name = name.strip()
        route.save(update_fields=["name", "updated_at"])
        if make_default:
            _make_only_default(route)
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


def route_make_default(*, user: Any, route_id: Any) -> Route:
    """Make the route the default of its procedure (or of the organization's 起案)."""
    with transaction.atomic():
        route = access_route(user=user, route_id=route_id, for_update=True)
        if (
            route.is_default
            and _current_default(
                organization_id=route.organization_id, procedure_id=route.procedure_id, exclude=route.pk
            )
            is None
        ):
            return route
        previous = _current_default(
            organization_id=route.organization_id, procedure_id=route.procedure_id, exclude=route.pk
        )
        _make_only_default(route)
        audit_record(
            actor=user,
            action="route.default_set",
            target=route,
            before={"default": previous},
            after={"default": route.pk},
        )
    return route
