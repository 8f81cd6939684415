"""Checking the route editor's input and resolving it into ``route_create``'s steps."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, Membership, User
from madoguchi.core.errors import FieldErrors
from madoguchi.review.constants import ACT_ROLES, ORG_WIDE_ROLES, StepKind, StepMode

MAX_STEPS = 20
MAX_SLOTS = 20
NAME_MAX = 200
STEP_NAME_MAX = 100
MAX_DEADLINE_DAYS = 250  # about a year of 開庁日


def whole_number(value: Any) -> int | None:
    """A whole number typed by a person (full-width digits too)."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if not text or not text.isascii() or not text.lstrip("-").isdigit():
        return None
    return int(text)


def _person_label(user: User) -> str:
    return str(getattr(user, "display_name", "") or getattr(user, "email", "") or user)


def route_check(
    *,
    organization: Any,
    name: str,
    steps: list[dict[str, Any]],
    proposals: bool = False,
    person_fields: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Validate the editor's raw input and resolve it into ``route_create``'s ``steps``.

    ``steps``: ``[{"name", "kind", "mode", "required_count", "distinct_actor": bool,
    "deadline_days": "<開庁日>"|"", "slots": [{"department": "<id>"|"", "actor": "role:<role>"|"user:<id>",
    "person_field": "<key>"|""}]}]`` (strings as posted). ``person_fields``: the procedure's e-mail
    fields naming a staff member (key → label), the only keys ``person_field`` may name. Raises ``FieldErrors`` keyed
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

    department_ids = {whole_number(s.get("department")) for step in steps for s in step.get("slots") or []}
    departments: dict[int | None, Department] = {
        d.pk: d
        for d in Department.objects.filter(
            organization=organization, pk__in=[pk for pk in department_ids if pk is not None]
        )
    }
    user_ids = set()
    for step in steps:
        for s in step.get("slots") or []:
            actor = str(s.get("actor") or "")
            if actor.startswith("user:"):
                user_ids.add(whole_number(actor[5:]))
    people: dict[int | None, User] = {
        m.user_id: m.user
        for m in Membership.objects.filter(
            organization=organization,
            role__in=ACT_ROLES,
            user_id__in=[pk for pk in user_ids if pk is not None],
            user__is_active=True,
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
                department = departments.get(whole_number(department_value))
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
                person = people.get(whole_number(actor[5:]))
                if person is None:
                    add(f"{slot_key}.actor", _("この団体で審査や決裁ができる職員を選んでください。"))
                elif person.pk in seen_people:
                    add(f"{slot_key}.actor", _("同じ職員がこの段階に2回指定されています。"))
                else:
                    seen_people.add(person.pk)
                slot["user"] = person
            else:
                add(f"{slot_key}.actor", _("役割か職員を選んでください。"))
            person_field = str(raw.get("person_field") or "").strip()
            if person_field:
                if person_field not in (person_fields or {}):
                    add(
                        f"{slot_key}.person_field",
                        _("この手続の、職員のアドレスを尋ねるメールアドレスの項目を選んでください。"),
                    )
                elif not slot["role"]:
                    add(
                        f"{slot_key}.person_field",
                        _(
                            "申請で入力された職員に回すときは、役割を選んでください（その役割を持つ職員に"
                            "回り、見つからないときは部署のその役割の人に回ります）。"
                        ),
                    )
                slot["person_field"] = person_field
            slots.append(slot)

        required = 1
        if mode == StepMode.N_OF_M:
            count = whole_number(step.get("required_count"))
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
            deadline = whole_number(deadline_text)
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
                            % {
                                "person": _person_label(slot["user"]),
                                "step": earlier["name"] or earlier_index + 1,
                            },
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
