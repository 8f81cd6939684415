"""The route engine: opening cases, claiming, approving, 差戻し, 引戻し, 代決 and decisions.

Every public function takes the acting user and ids, re-reads the case with a row lock
through ``selectors.access_case`` (404 if the user may not see it), checks that the user
may do this action (PermissionDeniedError otherwise), changes state, writes an audit entry
and schedules side effects with ``transaction.on_commit``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.services import application_status_set
from madoguchi.audit.services import audit_record
from madoguchi.core import events
from madoguchi.core.business_days import add_business_days
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.review import selectors
from madoguchi.review.checks import business_key_for
from madoguchi.review.constants import CaseKind, CaseStatus, Outcome, StepKind, TaskStatus
from madoguchi.review.models import Case, Comment, DataRevision, Decision, Notice, RouteStep, TaskState
from madoguchi.review.notify import notify_decided, notify_task_reassigned, notify_tasks_started
from madoguchi.review.permissions import CaseScope, user_fits_task
from madoguchi.review.services.routes import route_for_procedure

# ---------------------------------------------------------------------------- helpers


def _label(user: Any) -> str:
    return str(user) if user is not None else ""


def _set_application_status(case: Case, *, status: str, kind: str, message: str, actor: Any) -> None:
    """The application's status and timeline belong to applications (application_status_set)."""
    if case.application is not None:
        application_status_set(
            application=case.application, status=status, kind=kind, message=message, actor=actor
        )


def _mark_in_review(case: Case, actor: Any) -> None:
    if case.application is not None and case.application.status == ApplicationStatus.SUBMITTED:
        _set_application_status(
            case,
            status=ApplicationStatus.IN_REVIEW,
            kind="review_started",
            message=_("審査を開始しました。"),
            actor=actor,
        )


def _lock(user: Any, case_id: Any) -> Case:
    case = selectors.access_case(user=user, case_id=case_id, for_update=True)
    if case.application_id:
        # lock the application row too: the applicant may be withdrawing right now
        case.application = (
            Application.objects.select_for_update().select_related("version").get(pk=case.application_id)
        )
    return case


def _require_open(case: Case) -> None:
    if case.application is not None and case.application.status == ApplicationStatus.WITHDRAWN:
        raise DomainError(_("この申請は申請者が取り下げました。"), code="withdrawn")
    if case.status != CaseStatus.OPEN:
        if case.status == CaseStatus.CORRECTION:
            raise DomainError(
                _("申請者の補正を待っています。補正後に処理できます。"), code="waiting_correction"
            )
        raise DomainError(_("この案件はすでに完了しています。"), code="closed")


def _task(case: Case, task_id: Any) -> TaskState:
    try:
        task = TaskState.objects.select_related("step").get(pk=int(task_id), case=case)
    except (TaskState.DoesNotExist, ValueError, TypeError):
        raise FieldErrors({"task": [_("処理する項目が見つかりません。画面を更新してください。")]}) from None
    task.case = case
    return task


def _current_pending(case: Case) -> list[TaskState]:
    return list(
        TaskState.objects.filter(case=case, round=case.step_round, status=TaskStatus.PENDING).select_related(
            "step"
        )
    )


def _check_actor(scope: CaseScope, task: TaskState, *, substitute: bool) -> tuple[bool, Any]:
    """(acting as substitute 代決?, on behalf of whom). Raises PermissionDeniedError."""
    if task.status != TaskStatus.PENDING or task.round != task.case.step_round:
        raise DomainError(_("この項目はすでに処理されています。画面を更新してください。"), code="stale")
    conflict = selectors.duty_conflict(task, scope.user)
    if conflict is not None:
        raise PermissionDeniedError(conflict)
    if scope.may_act(task):
        return False, None
    if substitute and scope.may_substitute(task):
        return True, task.claimed_by or task.assignee
    raise PermissionDeniedError(_("この案件を処理する権限がありません。"))


def _start_step(
    case: Case,
    position: int,
    *,
    actor: Any,
    prefer_previous: bool = False,
    carry_over: list[TaskState] | None = None,
) -> None:
    step = RouteStep.objects.filter(route_id=case.route_id, position=position).first()
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
    for slot in step.slots.all():
        if slot.pk in carried:
            continue
        new_tasks.append(
            TaskState(
                case=case,
                step=step,
                slot=slot,
                position=position,
                round=case.step_round,
                department_id=slot.department_id,
                role=slot.role,
                assignee_id=slot.user_id,
                claimed_by_id=previous.get(slot.pk) if not slot.user_id else None,
                cross_department=bool(slot.department_id) and slot.department_id != case.department_id,
                due_date=step_due,
            )
        )
    TaskState.objects.bulk_create(new_tasks)
    for task in new_tasks:
        task.step = step
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
    people = {t.claimed_by_id or t.assignee_id for t in new_tasks}
    case.assignee_id = people.pop() if len(people) == 1 and len(new_tasks) == 1 else None
    case.save(update_fields=["step_round", "current_position", "current_step_name", "assignee", "updated_at"])
    audit_record(
        actor=actor,
        action="case.step_started",
        target=case,
        after={
            "position": position,
            "step": step.name,
            "kind": step.kind,
            "round": case.step_round,
            "tasks": len(new_tasks),
        },
    )
    notify_tasks_started(case=case, tasks=new_tasks, actor=actor if not isinstance(actor, str) else None)


def _step_complete(case: Case, step: RouteStep) -> bool:
    approved = TaskState.objects.filter(
        case=case, round=case.step_round, step=step, status=TaskStatus.APPROVED
    ).count()
    return approved >= step.required_count


def _close_remaining(case: Case, status: str) -> None:
    TaskState.objects.filter(case=case, status=TaskStatus.PENDING).update(
        status=status, acted_at=timezone.now()
    )


# ---------------------------------------------------------------------------- opening a case


def case_open_for_application(*, application: Application, actor: Any = None) -> Case:
    """Open the review case of a new application (idempotent) and start its route."""
    existing = Case.objects.filter(application=application).first()
    if existing is not None:
        return existing
    procedure = application.procedure
    with transaction.atomic():
        route = route_for_procedure(procedure=procedure)
        submitted_on = timezone.localdate(application.submitted_at)
        due = (
            add_business_days(submitted_on, procedure.standard_processing_days)
            if procedure.standard_processing_days
            else None
        )
        applicant_label = (
            application.principal_name
            or _first_name_value(application)
            or application.applicant.display_name
            or application.applicant.email
        )
        case = Case.objects.create(
            organization_id=application.organization_id,
            department_id=procedure.department_id,
            kind=CaseKind.APPLICATION,
            application=application,
            procedure=procedure,
            route=route,
            title=procedure.title[:200],
            reference_number=application.reference_number,
            applicant_label=_flatten_name(applicant_label)[:200],
            opened_at=application.submitted_at,
            due_date=due,
            business_key=business_key_for(procedure.pk, application.data),
        )
        DataRevision.objects.create(
            application=application,
            number=1,
            data=application.data,
            reason="submitted",
            created_by=application.entered_by or application.applicant,
        )
        audit_record(
            actor=actor or "system",
            action="case.opened",
            target=case,
            after={
                "application": str(application.pk),
                "route": route.pk,
                "due_date": due.isoformat() if due else None,
            },
        )
        _start_step(case, 1, actor=actor or "system")
    return case


def _first_name_value(application: Application) -> str:
    """The first name-like field of the form (type ``name``, or key ``name``)."""
    from madoguchi.procedures.fields import type_of
    from madoguchi.procedures.validation import iter_fields

    for _step, spec in iter_fields(application.version.definition):
        field_type = type_of(spec)
        if (field_type is not None and field_type.is_person_name) or spec["key"] == "name":
            value = application.data.get(spec["key"])
            if value:
                return _flatten_name(value)
    return ""


def _flatten_name(value: Any) -> str:
    if isinstance(value, dict) and ("family" in value or "given" in value):
        return " ".join(str(value.get(k) or "") for k in ("family", "given")).strip()
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v)
    return str(value)


def case_close_withdrawn(*, application: Application, actor: Any = None) -> Case | None:
    """The applicant withdrew: the case closes and pending tasks are cancelled."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(application=application).first()
        if case is None or not case.is_open:
            return case
        before = case.status
        case.status = CaseStatus.WITHDRAWN
        case.assignee = None
        case.save(update_fields=["status", "assignee", "updated_at"])
        _close_remaining(case, TaskStatus.CANCELLED)
        audit_record(
            actor=actor or "system",
            action="case.withdrawn",
            target=case,
            before={"status": before},
            after={"status": case.status},
        )
    return case


# ---------------------------------------------------------------------------- queue work


def case_claim(*, user: Any, case_id: Any) -> Case:
    """Take the pending tasks of the case that are yours to take (担当する)."""
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = _lock(user, case_id)
        _require_open(case)
        claimable = [
            t
            for t in _current_pending(case)
            if _with_case(t, case) and scope.may_claim(t) and selectors.duty_conflict(t, user) is None
        ]
        if not claimable:
            raise PermissionDeniedError(_("この案件で担当できる処理はありません。"))
        for task in claimable:
            task.claimed_by = user
            task.save(update_fields=["claimed_by"])
        case.assignee = user
        case.save(update_fields=["assignee", "updated_at"])
        _mark_in_review(case, user)
        audit_record(
            actor=user,
            action="case.claimed",
            target=case,
            after={"tasks": [t.pk for t in claimable], "assignee": _label(user)},
        )
    return case


def _with_case(task: TaskState, case: Case) -> bool:
    task.case = case
    return True


def task_reassign(*, user: Any, case_id: Any, task_id: Any, to_user: Any) -> TaskState:
    """Hand a pending task to another staff member who could do it (振替)."""
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = _lock(user, case_id)
        _require_open(case)
        task = _task(case, task_id)
        if task.status != TaskStatus.PENDING:
            raise DomainError(_("この項目はすでに処理されています。"), code="stale")
        if not scope.may_reassign(task):
            raise PermissionDeniedError(_("担当を変更する権限がありません。"))
        if to_user is None or not user_fits_task(to_user, task):
            raise FieldErrors(
                {"to_user": [_("この処理を担当できない職員です。部署と役割を確認してください。")]}
            )
        conflict = selectors.duty_conflict(task, to_user)
        if conflict is not None:
            raise FieldErrors({"to_user": [conflict]})
        before = {"claimed_by": _label(task.claimed_by)}
        task.claimed_by = to_user
        task.save(update_fields=["claimed_by"])
        case.assignee = to_user
        case.save(update_fields=["assignee", "updated_at"])
        audit_record(
            actor=user,
            action="task.reassigned",
            target=case,
            before=before,
            after={"task": task.pk, "claimed_by": _label(to_user)},
        )
        notify_task_reassigned(case=case, task=task, to_user=to_user, actor=user)
    return task


def comment_add(*, user: Any, case_id: Any, body: str) -> Comment:
    """An internal comment (内部メモ). Never shown to the applicant."""
    body = (body or "").strip()
    if not body:
        raise FieldErrors({"body": [_("コメントを入力してください。")]})
    if len(body) > 4000:
        raise FieldErrors({"body": [_("コメントは4000文字以内で入力してください。")]})
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = selectors.access_case(user=user, case_id=case_id)
        if not scope.has_role(*_comment_roles(), organization_id=case.organization_id) and not _addressed(
            scope, case
        ):
            raise PermissionDeniedError(_("コメントを書く権限がありません。"))
        comment = Comment.objects.create(case=case, author=user, body=body)
        audit_record(
            actor=user,
            action="case.commented",
            target=case,
            after={"comment": comment.pk, "sha256": hashlib.sha256(body.encode()).hexdigest()},
        )
    return comment


def _comment_roles():
    from madoguchi.review.constants import ACT_ROLES

    return ACT_ROLES


def _addressed(scope: CaseScope, case: Case) -> bool:
    return TaskState.objects.filter(scope.task_match_q(), case=case).exists()


# ---------------------------------------------------------------------------- acting on tasks


def task_approve(
    *, user: Any, case_id: Any, task_id: Any, comment: str = "", substitute: bool = False
) -> Case:
    """Pass a review/approval/consultation task (承認・合議同意). Advances when the step is done."""
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = _lock(user, case_id)
        _require_open(case)
        task = _task(case, task_id)
        if task.step.kind == StepKind.DECISION:
            raise DomainError(_("決裁の段階では「決定する」を使ってください。"), code="use_decide")
        as_substitute, on_behalf_of = _check_actor(scope, task, substitute=substitute)
        _finish_task(
            task,
            user=user,
            status=TaskStatus.APPROVED,
            comment=comment,
            on_behalf_of=on_behalf_of,
            substitute=as_substitute,
        )
        _mark_in_review(case, user)
        audit_record(actor=user, action="task.approved", target=case, after=_task_audit(task))
        if _step_complete(case, task.step):
            TaskState.objects.filter(case=case, round=case.step_round, status=TaskStatus.PENDING).update(
                status=TaskStatus.SKIPPED, acted_at=timezone.now()
            )
            _start_step(case, task.position + 1, actor=user)
    return case


def _finish_task(
    task: TaskState, *, user: Any, status: str, comment: str, on_behalf_of: Any, substitute: bool
) -> None:
    task.status = status
    task.actor = user
    task.comment = (comment or "").strip()[:4000]
    task.substitute = bool(substitute)
    task.on_behalf_of = on_behalf_of
    task.acted_at = timezone.now()
    task.save(update_fields=["status", "actor", "comment", "substitute", "on_behalf_of", "acted_at"])


def _task_audit(task: TaskState) -> dict[str, Any]:
    return {
        "task": task.pk,
        "step": task.step.name,
        "position": task.position,
        "status": task.status,
        "substitute": task.substitute,
        "on_behalf_of": _label(task.on_behalf_of) if task.on_behalf_of_id else None,
        "comment": task.comment,
    }


def task_return(
    *,
    user: Any,
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
        case = _lock(user, case_id)
        _require_open(case)
        task = _task(case, task_id)
        as_substitute, on_behalf_of = _check_actor(scope, task, substitute=substitute)
        target = task.position - 1 if to_position is None else int(to_position)
        if not 1 <= target < task.position:
            raise FieldErrors({"to_position": [_("差戻し先は、この段階より前の段階を選んでください。")]})
        _finish_task(
            task,
            user=user,
            status=TaskStatus.RETURNED,
            comment=comment,
            on_behalf_of=on_behalf_of,
            substitute=as_substitute,
        )
        _close_remaining(case, TaskStatus.CANCELLED)
        audit_record(
            actor=user, action="task.returned", target=case, after={**_task_audit(task), "to": target}
        )
        _start_step(case, target, actor=user, prefer_previous=True)
    return case


def task_pull_back(*, user: Any, case_id: Any, task_id: Any) -> Case:
    """引戻し: take back your approval before the next person acted on it."""
    with transaction.atomic():
        case = _lock(user, case_id)
        _require_open(case)
        task = _task(case, task_id)
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
        elif task.position == case.current_position - 1 and task.round == _last_round_of(case, task.position):
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
            _start_step(case, task.position, actor=user, carry_over=others)
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


# ---------------------------------------------------------------------------- decisions


def case_decide(
    *, user: Any, case_id: Any, task_id: Any, outcome: str, reason: str = "", substitute: bool = False
) -> Case:
    """決裁: approve or reject at the decision step. The notice is generated and signed."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("承認か不承認を選んでください。")]
    if outcome == Outcome.REJECTED and not reason:
        errors["reason"] = [_("不承認の理由を入力してください。理由は通知書に記載されます。")]
    if len(reason) > 2000:
        errors["reason"] = [_("理由は2000文字以内で入力してください。")]
    if errors:
        raise FieldErrors(errors)
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = _lock(user, case_id)
        _require_open(case)
        task = _task(case, task_id)
        if task.step.kind != StepKind.DECISION:
            raise DomainError(_("この段階では決定できません。"), code="not_decision_step")
        as_substitute, on_behalf_of = _check_actor(scope, task, substitute=substitute)
        status = TaskStatus.APPROVED if outcome == Outcome.APPROVED else TaskStatus.REJECTED
        _finish_task(
            task,
            user=user,
            status=status,
            comment=reason,
            on_behalf_of=on_behalf_of,
            substitute=as_substitute,
        )
        audit_record(
            actor=user, action="task.decided", target=case, after={**_task_audit(task), "outcome": outcome}
        )
        if outcome == Outcome.APPROVED and not _step_complete(case, task.step):
            return case  # other approvers of a parallel decision step still have to act
        _close_remaining(case, TaskStatus.SKIPPED)
        _finalize(
            case,
            user=user,
            outcome=outcome,
            reason=reason,
            on_behalf_of=on_behalf_of,
            substitute=as_substitute,
        )
    return case


def _finalize(
    case: Case, *, user: Any, outcome: str, reason: str, on_behalf_of: Any, substitute: bool
) -> None:
    from madoguchi.review import notices, signing

    now = timezone.now()
    decision = Decision.objects.create(
        case=case, outcome=outcome, reason=reason, decided_by=user, on_behalf_of=on_behalf_of, decided_at=now
    )
    before = case.status
    case.status = CaseStatus.APPROVED if outcome == Outcome.APPROVED else CaseStatus.REJECTED
    case.outcome = outcome
    case.decided_at = now
    case.assignee = None
    case.save(update_fields=["status", "outcome", "decided_at", "assignee", "updated_at"])
    extra_rows = _approval_rows(case)
    links: list[notices.NoticeLink] = []
    # payments may refuse (fee not decided yet) and adds the fee and its deadline to the notice;
    # feedback adds the link to the procedure's review form (printed as a QR code, and in the mail)
    events.emit("case.deciding", case=case, outcome=outcome, notice_rows=extra_rows, notice_links=links)
    title, pdf = notices.render_notice_pdf(case=case, decision=decision, extra_rows=extra_rows, links=links)
    signed, subject = signing.sign_pdf(
        organization=case.organization,
        pdf=pdf,
        reason=_("%(title)s（%(reference)s）") % {"title": title, "reference": case.reference_number},
    )
    notice = Notice.objects.create(
        case=case,
        decision=decision,
        title=title,
        pdf=signed,
        sha256=hashlib.sha256(signed).hexdigest(),
        signer_subject=subject,
    )
    audit_record(
        actor=user,
        action="case.decided",
        target=case,
        before={"status": before},
        after={
            "status": case.status,
            "outcome": outcome,
            "reason": reason,
            "substitute": substitute,
            "substitute_for": _label(on_behalf_of) if on_behalf_of else None,
            "notice": str(notice.pk),
            "notice_sha256": notice.sha256,
        },
    )
    if case.application is not None:
        approved = outcome == Outcome.APPROVED
        wording = notices.wording_for(procedure_id=case.procedure_id, outcome=outcome)
        word = notices.outcome_word(wording.kind, outcome)
        _set_application_status(
            case,
            status=ApplicationStatus.APPROVED if approved else ApplicationStatus.REJECTED,
            kind="decided",
            message=_("結果は「%(word)s」です。%(title)sをダウンロードしてご確認ください。")
            % {"word": word, "title": title},
            actor=user,
        )
        review_url = next((link.url for link in links if link.key == "review"), "")
        notify_decided(application=case.application, approved=approved, word=word, review_url=review_url)


def _approval_rows(case: Case) -> list[tuple[str, str]]:
    rows = []
    for t in (
        TaskState.objects.filter(case=case, status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED])
        .select_related("step", "actor", "on_behalf_of")
        .order_by("acted_at", "id")
    ):
        who = str(t.actor)
        if t.substitute:
            who += _("（代決: %(name)s に代わり）") % {"name": t.on_behalf_of or t.get_role_display() or "-"}
        rows.append((t.step.name, f"{who} {timezone.localtime(t.acted_at):%Y-%m-%d %H:%M}"))
    return rows
