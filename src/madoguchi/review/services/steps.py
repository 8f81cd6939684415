"""The route engine's steps and tasks: locking a case, starting a step, checking who may act, and the task actions (承認・合議同意, 差戻し, 引戻し, 代決).

Every public action takes the acting user and ids, re-reads the case with a row lock
through ``selectors.access_case`` (404 if the user may not see it), checks that the user
may do this action (PermissionDeniedError otherwise), changes state, writes an audit entry
and schedules side effects with ``transaction.on_commit``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.models import Membership
from madoguchi.accounts.types import Actor, User
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.services import application_status_set
from madoguchi.applications.timeline import Line
from madoguchi.audit.services import audit_record
from madoguchi.core.business_days import add_business_days
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.core.memo import memoized
from madoguchi.review import selectors
from madoguchi.review.constants import CaseStatus, StepKind, TaskStatus
from madoguchi.review.models import Case, RouteStep, StepSlot, TaskState
from madoguchi.review.notify import notify_tasks_started
from madoguchi.review.permissions import CaseScope

# ---------------------------------------------------------------------------- helpers


def actor_label(user: Actor) -> str:
    return str(user) if user is not None else ""


def case_mark_in_review(case: Case, actor: Actor) -> None:
    """The application's status and timeline belong to applications (application_status_set)."""
    if case.application is not None and case.application.status == ApplicationStatus.SUBMITTED:
        application_status_set(
            application=case.application,
            status=ApplicationStatus.IN_REVIEW,
            kind="review_started",
            message=Line(gettext_noop("審査を開始しました。")),
            actor=actor,
        )


def case_lock(user: User, case_id: Any) -> Case:
    case = selectors.access_case(user=user, case_id=case_id, for_update=True)
    if case.application_id:
        # lock the application row too: the applicant may be withdrawing right now
        case.application = (
            Application.objects.select_for_update().select_related("version").get(pk=case.application_id)
        )
    return case


def case_require_open(case: Case) -> None:
    if case.application is not None and case.application.status == ApplicationStatus.WITHDRAWN:
        raise DomainError(_("この申請は申請者が取り下げました。"), code="withdrawn")
    if case.status != CaseStatus.OPEN:
        if case.status == CaseStatus.CORRECTION:
            raise DomainError(
                _("申請者の補正を待っています。補正後に処理できます。"), code="waiting_correction"
            )
        raise DomainError(_("この案件はすでに完了しています。"), code="closed")


def task_of(case: Case, task_id: Any) -> TaskState:
    try:
        task = TaskState.objects.select_related("step").get(pk=int(task_id), case=case)
    except (TaskState.DoesNotExist, ValueError, TypeError):
        raise FieldErrors({"task": [_("処理する項目が見つかりません。画面を更新してください。")]}) from None
    task.case = case
    return task


def tasks_current_pending(case: Case) -> list[TaskState]:
    return list(
        TaskState.objects.filter(case=case, round=case.step_round, status=TaskStatus.PENDING).select_related(
            "step"
        )
    )


def actor_check(scope: CaseScope, task: TaskState, *, substitute: bool) -> tuple[bool, Any]:
    """(acting as substitute 代決?, on behalf of whom). Raises PermissionDeniedError."""
    if task.status != TaskStatus.PENDING or task.round != task.case.step_round:
        raise DomainError(_("この項目はすでに処理されています。画面を更新してください。"), code="stale")
    if not isinstance(scope.user, User):  # nobody signed in acts (no grants: refused below too)
        raise PermissionDeniedError(_("この案件を処理する権限がありません。"))
    conflict = selectors.duty_conflict(task, scope.user)
    if conflict is not None:
        raise PermissionDeniedError(conflict)
    if scope.may_act(task):
        return False, None
    if substitute and scope.may_substitute(task):
        return True, task.claimed_by or task.assignee
    raise PermissionDeniedError(_("この案件を処理する権限がありません。"))


def step_start(
    case: Case,
    position: int,
    *,
    actor: Actor,
    prefer_previous: bool = False,
    carry_over: list[TaskState] | None = None,
) -> None:
    step, new_tasks, unnamed = step_prepare(
        case, position, prefer_previous=prefer_previous, carry_over=carry_over
    )
    TaskState.objects.bulk_create(new_tasks)
    for old in carry_over or []:
        TaskState.objects.create(
            case=case,
            step=step,
            slot_id=old.slot_id,
            position=position,
            round=case.step_round,
            status=TaskStatus.APPROVED,
            department_id=old.department_id,
            role=old.role,
            assignee_id=old.assignee_id,
            actor_id=old.actor_id,
            substitute=old.substitute,
            on_behalf_of_id=old.on_behalf_of_id,
            comment=old.comment,
            acted_at=old.acted_at,
        )
    case.save(update_fields=["step_round", "current_position", "current_step_name", "assignee", "updated_at"])
    step_started(case, step, new_tasks, unnamed=unnamed, actor=actor)


def step_prepare(
    case: Case,
    position: int,
    *,
    prefer_previous: bool = False,
    carry_over: list[TaskState] | None = None,
) -> tuple[RouteStep, list[TaskState], list[str]]:
    """The first half of starting a step, with nothing written: move ``case`` (in memory) to the
    step's new round and build its pending tasks. Returns (step, tasks, person fields whose
    address named nobody who may act). ``step_start`` writes them; a batch of new cases
    (``cases_open_for_applications``) writes many cases' at once."""
    step = memoized(
        ("review.route_step", case.route_id, position),
        lambda: RouteStep.objects.filter(route_id=case.route_id, position=position).first(),
        kept=True,
    )
    if step is None:
        raise DomainError(_("経路の段階が見つかりません。"), code="route_broken")
    case.step_round += 1
    case.current_position = position
    case.current_step_name = step.name
    previous: dict[int, Any] = {}
    if prefer_previous:
        for t in TaskState.objects.filter(case=case, step=step, status=TaskStatus.APPROVED).order_by("id"):
            previous[t.slot_id] = t.actor_id
    carried = {t.slot_id for t in carry_over or []}
    step_due = (
        add_business_days(timezone.localdate(), step.deadline_days)
        if step.deadline_days is not None
        else None
    )
    new_tasks = []
    unnamed: list[str] = []  # person fields whose address named nobody who may act
    slots = memoized(("review.step_slots", step.pk), lambda: list(step.slots.all()), kept=True)
    for slot in slots:
        if slot.pk in carried:
            continue
        department_id, assignee_id = slot.department_id, slot.user_id
        if slot.person_field:
            named = slot_person(case, slot)
            if named is None:
                unnamed.append(slot.person_field)
            else:
                assignee_id, department_id = named
        new_tasks.append(
            TaskState(
                case=case,
                step=step,
                slot=slot,
                position=position,
                round=case.step_round,
                department_id=department_id,
                role=slot.role,
                assignee_id=assignee_id,
                claimed_by_id=previous.get(slot.pk) if not assignee_id else None,
                cross_department=bool(department_id) and department_id != case.department_id,
                due_date=step_due,
            )
        )
    people = {t.claimed_by_id or t.assignee_id for t in new_tasks}
    case.assignee_id = people.pop() if len(people) == 1 and len(new_tasks) == 1 else None
    return step, new_tasks, unnamed


def step_started(
    case: Case, step: RouteStep, new_tasks: list[TaskState], *, unnamed: list[str], actor: Actor
) -> None:
    """The second half, once the case and its new tasks are written: the audit entry, the staff
    the tasks wait for told, and (a 決裁 step) the application accepted."""
    audit_record(
        actor=actor,
        action="case.step_started",
        target=case,
        after={
            "position": step.position,
            "step": step.name,
            "kind": step.kind,
            "round": case.step_round,
            "tasks": len(new_tasks),
            # the address typed named nobody holding the role: the slot's department and role act
            **({"person_not_found": unnamed} if unnamed else {}),
        },
    )
    notify_tasks_started(case=case, tasks=new_tasks, actor=actor if not isinstance(actor, str) else None)
    if step.kind == StepKind.DECISION and case.application_id:
        # every step before the 決裁 is done: the application is accepted (S13 受験票)
        from madoguchi.review.services.tickets import ticket_case_accepted

        ticket_case_accepted(case=case, actor=actor)


def slot_person(case: Case, slot: StepSlot) -> tuple[Any, Any] | None:
    """(user id, department id) of the staff member whose address the applicant typed in the
    slot's ``person_field`` (S3's 所属長), when they hold the slot's role in the case's
    organization; None otherwise (the field is empty, or the address names nobody who may act)."""
    application = case.application if case.application_id else None
    email = (application.data or {}).get(slot.person_field) if application is not None else None
    if not isinstance(email, str) or "@" not in email:
        return None
    membership = (
        Membership.objects.filter(
            organization_id=case.organization_id,
            role=slot.role,
            user__email=email.strip().lower(),
            user__is_active=True,
        )
        .order_by("department_id", "pk")
        .values_list("user_id", "department_id")
        .first()
    )
    if membership is None:
        return None
    user_id, department_id = membership
    return user_id, department_id or slot.department_id


def step_complete(case: Case, step: RouteStep) -> bool:
    approved = TaskState.objects.filter(
        case=case, round=case.step_round, step=step, status=TaskStatus.APPROVED
    ).count()
    return approved >= step.required_count


def task_with_case(task: TaskState, case: Case) -> bool:
    """Give the task its (locked) case, in a comprehension's condition: always True."""
    task.case = case
    return True


def tasks_close_remaining(case: Case, status: str) -> None:
    TaskState.objects.filter(case=case, status=TaskStatus.PENDING).update(
        status=status, acted_at=timezone.now()
    )


# ---------------------------------------------------------------------------- acting on tasks


def task_approve(
    *, user: User, case_id: Any, task_id: Any, comment: str = "", substitute: bool = False
) -> Case:
    """Pass a review/approval/consultation task (承認・合議同意). Advances when the step is done."""
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = case_lock(user, case_id)
        case_require_open(case)
        task = task_of(case, task_id)
        if task.step.kind == StepKind.DECISION:
            raise DomainError(_("決裁の段階では「決定する」を使ってください。"), code="use_decide")
        as_substitute, on_behalf_of = actor_check(scope, task, substitute=substitute)
        task_finish(
            task,
            user=user,
            status=TaskStatus.APPROVED,
            comment=comment,
            on_behalf_of=on_behalf_of,
            substitute=as_substitute,
        )
        case_mark_in_review(case, user)
        audit_record(actor=user, action="task.approved", target=case, after=task_audit(task))
        if step_complete(case, task.step):
            TaskState.objects.filter(case=case, round=case.step_round, status=TaskStatus.PENDING).update(
                status=TaskStatus.SKIPPED, acted_at=timezone.now()
            )
            step_start(case, task.position + 1, actor=user)
    return case


def task_finish(
    task: TaskState, *, user: User, status: str, comment: str, on_behalf_of: Any, substitute: bool
) -> None:
    task.status = status
    task.actor = user
    task.comment = (comment or "").strip()[:4000]
    task.substitute = bool(substitute)
    task.on_behalf_of = on_behalf_of
    task.acted_at = timezone.now()
    task.save(update_fields=["status", "actor", "comment", "substitute", "on_behalf_of", "acted_at"])


def task_audit(task: TaskState) -> dict[str, Any]:
    return {
        "task": task.pk,
        "step": task.step.name,
        "position": task.position,
        "status": task.status,
        "substitute": task.substitute,
        "on_behalf_of": actor_label(task.on_behalf_of) if task.on_behalf_of_id else None,
        "comment": task.comment,
    }


def task_return(
    *,
    user: User,
    case_id: Any,
    task_id: Any,
    comment: str,
    to_position: int | None = None,
    substitute: bool = False,
) -> Case:
    """差戻し: send the case back to an earlier step with a reason."""
    comment = (comment or "").strip()
    if not comment:
        raise FieldErrors({"comment": [_("差戻しの理由を入力してください。")]})
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = case_lock(user, case_id)
        case_require_open(case)
        task = task_of(case, task_id)
        as_substitute, on_behalf_of = actor_check(scope, task, substitute=substitute)
        target = task.position - 1 if to_position is None else int(to_position)
        if not 1 <= target < task.position:
            raise FieldErrors({"to_position": [_("差戻し先は、この段階より前の段階を選んでください。")]})
        task_finish(
            task,
            user=user,
            status=TaskStatus.RETURNED,
            comment=comment,
            on_behalf_of=on_behalf_of,
            substitute=as_substitute,
        )
        tasks_close_remaining(case, TaskStatus.CANCELLED)
        audit_record(
            actor=user, action="task.returned", target=case, after={**task_audit(task), "to": target}
        )
        step_start(case, target, actor=user, prefer_previous=True)
    return case


def task_pull_back(*, user: User, case_id: Any, task_id: Any) -> Case:
    """引戻し: take back your approval before the next person acted on it."""
    with transaction.atomic():
        case = case_lock(user, case_id)
        case_require_open(case)
        task = task_of(case, task_id)
        if task.actor_id != user.pk or task.status != TaskStatus.APPROVED:
            raise PermissionDeniedError(_("引き戻せるのは自分が承認した処理だけです。"))
        current = list(TaskState.objects.filter(case=case, round=case.step_round).select_related("step"))
        if task.round == case.step_round:
            # the step is still current (parallel): reopen just my task
            _finish_pull_back(task)
            TaskState.objects.create(
                case=case,
                step=task.step,
                slot_id=task.slot_id,
                position=task.position,
                round=case.step_round,
                department_id=task.department_id,
                role=task.role,
                assignee_id=task.assignee_id,
                claimed_by=user,
            )
        elif task.position == (case.current_position or 0) - 1 and task.round == _last_round_of(
            case, task.position
        ):
            if any(t.status != TaskStatus.PENDING for t in current):
                raise DomainError(_("次の担当者がすでに処理したため、引き戻せません。"), code="too_late")
            for t in current:
                t.status = TaskStatus.PULLED_BACK
                t.acted_at = timezone.now()
                t.save(update_fields=["status", "acted_at"])
            _finish_pull_back(task)
            others = list(
                TaskState.objects.filter(case=case, round=task.round, status=TaskStatus.APPROVED).exclude(
                    pk=task.pk
                )
            )
            step_start(case, task.position, actor=user, carry_over=others)
            TaskState.objects.filter(
                case=case, round=case.step_round, slot_id=task.slot_id, status=TaskStatus.PENDING
            ).update(claimed_by=user)
            case.assignee = user
            case.save(update_fields=["assignee", "updated_at"])
        else:
            raise DomainError(_("次の担当者がすでに処理したため、引き戻せません。"), code="too_late")
        audit_record(
            actor=user,
            action="task.pulled_back",
            target=case,
            after={"task": task.pk, "step": task.step.name, "position": task.position},
        )
    return case


def _finish_pull_back(task: TaskState) -> None:
    task.status = TaskStatus.PULLED_BACK
    task.save(update_fields=["status"])


def _last_round_of(case: Case, position: int) -> int:
    return (
        TaskState.objects.filter(case=case, position=position)
        .order_by("-round")
        .values_list("round", flat=True)
        .first()
        or 0
    )
