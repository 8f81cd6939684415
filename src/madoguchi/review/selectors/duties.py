"""Separation of duties (who may not act on a task) and where a case stands, in words."""

from __future__ import annotations

from typing import Any

from madoguchi.accounts.types import User
from madoguchi.review.constants import CaseStatus, TaskStatus
from madoguchi.review.models import Case, TaskState

# ---------------------------------------------------------------------------- separation of duties


def duty_conflict(task: TaskState, user: User, *, acted: list[TaskState] | None = None) -> str | None:
    """Why ``user`` may not act on ``task`` under separation of duties (職務の分離), else None.

    - The author of a proposal (起案者) never approves or decides their own proposal.
    - A step marked ``distinct_actor`` (on by default for decisions and proposal routes) is
      done by someone who did not act on an earlier step of the case, nor on another part of
      this step."""
    from django.utils.translation import gettext as _

    case = task.case
    if case.proposal is not None and case.proposal.author_id == user.pk:
        return _("起案者は自分の起案を承認・決裁できません。ほかの職員が処理します（職務の分離）。")
    if not task.step.distinct_actor:
        return None
    if acted is None:  # the user's approvals on this case (callers with many tasks pass them)
        acted = list(
            TaskState.objects.filter(case_id=case.pk, actor_id=user.pk, status=TaskStatus.APPROVED)
            .select_related("step")
            .order_by("id")
        )
    earlier = next(
        (
            t
            for t in acted
            if t.case_id == case.pk
            and t.pk != task.pk
            and (t.position < task.position or t.round == task.round)
        ),
        None,
    )
    if earlier is None:
        return None
    return _(
        "あなたはこの案件の「%(step)s」を処理したため、「%(this)s」は別の職員が処理します（職務の分離）。"
    ) % {"step": earlier.step.name, "this": task.step.name}


def _who(task: TaskState) -> str:
    if task.claimed_by_id and task.claimed_by is not None:
        return str(task.claimed_by)
    if task.assignee_id and task.assignee is not None:
        return str(task.assignee)
    parts = [
        str(task.department.name) if task.department_id and task.department else "",
        task.get_role_display(),
    ]
    return " ".join(p for p in parts if p) or "-"


def progress_message(
    *, case_id: Any, action: str, before_position: int | None, before_status: str
) -> str | None:
    """What an approval or a decision just did, in words: the case moved on, was decided, or the
    step still waits for someone else (a parallel step). None for other actions."""
    from django.utils.translation import gettext as _

    if action not in ("approve", "decide"):
        return None
    case = Case.objects.get(pk=case_id)
    if case.status != before_status and case.status in (CaseStatus.APPROVED, CaseStatus.REJECTED):
        return _("決定しました。通知書を作成し、電子署名しました。")
    if case.current_position != before_position:
        return _("承認しました。次の段階「%(step)s」へ回し、担当者に知らせました。") % {
            "step": case.current_step_name
        }
    waiting = list(
        TaskState.objects.filter(case=case, round=case.step_round, status=TaskStatus.PENDING)
        .select_related("department", "claimed_by", "assignee")
        .order_by("id")
    )
    who = "、".join(dict.fromkeys(_who(t) for t in waiting)) or "-"
    if action == "decide":
        return _("承認しました。まだ決定していません。決裁は、ほかに %(who)s の承認を待っています。") % {
            "who": who
        }
    return _("承認しました。この段階「%(step)s」は、ほかに %(who)s の処理を待っています。") % {
        "step": case.current_step_name,
        "who": who,
    }
