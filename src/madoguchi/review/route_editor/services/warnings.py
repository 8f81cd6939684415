"""Warnings about a route that is valid but may not do what its editor expects; saved anyway."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Membership
from madoguchi.review.constants import ACT_ROLES, ORG_WIDE_ROLES, StepKind, StepMode
from madoguchi.review.route_editor.services.checking import whole_number


def route_warnings(
    *,
    steps: list[dict[str, Any]],
    standard_days: int | None = None,
    organization: Any = None,
    proposals: bool = False,
) -> list[tuple[str, str]]:
    """What the route will do that its editor may not expect; it is saved anyway.

    ``steps`` as ``route_check`` takes them (raw input is fine: unreadable values are skipped).
    Returns ``[(error key, message)]``:

    - a 決裁 with several people in a mode other than 「全員」: the mode counts approvals only —
      the engine decides 不承認 at the first rejection without waiting for the others;
    - a 決裁 not marked 「前の段階と別の人が処理する」: whoever reviewed may decide alone;
    - a step deadline longer than the procedure's 標準処理期間: the case's deadline comes first;
    - with ``organization`` (the people are known): a step nobody can do — a part of it whose
      role nobody holds, or a step 「前の段階と別の人が処理する」 whose only people must act on an
      earlier step; in a 起案 route (``proposals``), a part only one person can do (their own
      起案 would stop there: nobody approves their own).
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
        deadline = whole_number(step.get("deadline_days"))
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
    if organization is not None:
        warnings += _nobody_warnings(organization=organization, steps=steps, proposals=proposals)
    return warnings


def _slot_people(organization: Any, slot: dict[str, Any], cache: dict[tuple, set[int]]) -> set[int] | None:
    """Who may act on one part of a step, as the engine decides it (``my_pending_tasks``); None
    when the part cannot be read (route_check reports it)."""
    actor = str(slot.get("actor") or "").strip()
    department = whole_number(slot.get("department"))
    if actor.startswith("user:"):
        key: tuple = ("user", whole_number(actor[5:]))
        condition = Q(user_id=key[1], role__in=ACT_ROLES)
    elif actor.startswith("role:") and actor[5:] in ACT_ROLES:
        role = actor[5:]
        key = ("role", role, department)
        condition = Q(role=role)
        if department is not None and role not in ORG_WIDE_ROLES:
            condition &= Q(department_id=department) | Q(department__isnull=True)
    else:
        return None
    if key not in cache:
        cache[key] = set(
            Membership.objects.filter(condition, organization=organization, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
    return cache[key]


def _names(user_ids: set[int]) -> str:
    from madoguchi.accounts.models import User

    people = User.objects.filter(pk__in=user_ids).order_by("pk")[:5]
    return "、".join(str(u.display_name or u.email) for u in people)


def _nobody_warnings(
    *, organization: Any, steps: list[dict[str, Any]], proposals: bool
) -> list[tuple[str, str]]:
    warnings: list[tuple[str, str]] = []
    cache: dict[tuple, set[int]] = {}
    forced: set[int] = set()  # the only person of a part that must be done on an earlier step
    for i, step in enumerate(steps):
        key = f"steps.{i}"
        label = (str(step.get("name") or "").strip()) or _("段階 %(n)s") % {"n": i + 1}
        sets = [_slot_people(organization, slot, cache) for slot in step.get("slots") or []]
        if not sets or any(s is None for s in sets):
            continue
        people = [s for s in sets if s is not None]
        mode = step.get("mode")
        raw = step.get("distinct_actor")
        if raw is None:
            distinct = proposals or step.get("kind") == StepKind.DECISION
        else:
            distinct = raw is True or str(raw).strip().lower() in ("1", "true", "on", "yes")
        needed = len(people) if mode == StepMode.ALL else (whole_number(step.get("required_count")) or 1)
        if mode == StepMode.ANY:
            needed = 1
        if any(not s for s in people) and (mode == StepMode.ALL or all(not s for s in people)):
            warnings.append(
                (
                    f"{key}.slots",
                    _(
                        "段階「%(step)s」の処理する人に当たる職員がいません（その部署でその役割の職員が"
                        "登録されていません）。案件はこの段階で止まります。職員を登録するか、処理する人を"
                        "変えてください。"
                    )
                    % {"step": label},
                )
            )
        elif distinct:
            available = [s - forced for s in people]
            everyone = set().union(*available)
            usable = sum(1 for s in available if s) if mode == StepMode.ALL else len(everyone)
            if usable < needed:
                warnings.append(
                    (
                        f"{key}.distinct_actor",
                        _(
                            "段階「%(step)s」は「前の段階と別の人が処理する」ですが、処理できる職員"
                            "（%(people)s）は前の段階も処理するため、この段階を処理できる人がいません。"
                            "案件はここで止まります。別の職員を加えるか、「前の段階と別の人が処理する」を"
                            "外してください。"
                        )
                        % {"step": label, "people": _names(set().union(*people))},
                    )
                )
        if proposals and not any(k == f"{key}.slots" for k, _m in warnings):
            union = set().union(*people)
            if mode == StepMode.ALL:
                lonely = next((s for s in people if len(s) == 1), None)
            else:
                lonely = union if len(union) == needed == 1 else None
            if lonely:
                person = _names(lonely)
                warnings.append(
                    (
                        f"{key}.slots",
                        _(
                            "起案の段階「%(step)s」を処理できるのは%(person)sさん1人です。%(person)sさんが"
                            "起案すると、この段階を処理できる人がいません（起案者は自分の起案を承認・決裁"
                            "できません）。ほかの職員も処理できるようにしてください。"
                        )
                        % {"step": label, "person": person},
                    )
                )
        if mode == StepMode.ALL or len(people) == 1:
            forced |= {next(iter(s)) for s in people if len(s) == 1}
    return warnings
