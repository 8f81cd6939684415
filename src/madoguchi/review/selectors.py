"""Reads for back-office screens. ``access_*`` fetches and checks permission (404 otherwise).

Queues are shaped so that each page costs a constant number of queries and uses one of
the Case queue indexes (organization|department|assignee, status, due_date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.audit.models import AuditEntry
from madoguchi.core import events
from madoguchi.core.business_days import add_business_days
from madoguchi.review.constants import (
    ACT_ROLES,
    HISTORY_LABELS,
    ORG_WIDE_ROLES,
    VIEW_ROLES,
    CaseStatus,
    TaskStatus,
)
from madoguchi.review.models import Case, Comment, CorrectionRequest, DataRevision, Notice, TaskState
from madoguchi.review.permissions import CaseScope

QUEUE_PAGE_SIZE = 50
DUE_SOON_BUSINESS_DAYS = 3


class Queue:
    MINE = "mine"
    TEAM = "team"
    CENTRE = "centre"
    ALL = (MINE, TEAM, CENTRE)


def staff_scope(user: Any) -> CaseScope:
    return CaseScope.of(user)


def require_reviewer(user: Any) -> CaseScope:
    scope = staff_scope(user)
    if not scope.can_review:
        raise Http404
    return scope


def _uuid_or_404(value: Any):
    import uuid

    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise Http404 from None


def visible_cases(*, user: Any) -> QuerySet[Case]:
    scope = staff_scope(user)
    return Case.objects.filter(scope.case_visibility_q())


def access_case(*, user: Any, case_id: Any, for_update: bool = False) -> Case:
    """The case if ``user`` may see it; Http404 otherwise (no hint that it exists)."""
    case_id = _uuid_or_404(case_id)
    scope = staff_scope(user)
    if not scope.can_review:
        raise Http404
    qs = Case.objects.select_related(
        "application__version",
        "application__applicant",
        "proposal__author",
        "procedure",
        "route",
        "department",
        "organization",
        "assignee",
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise Http404
    if scope.may_view_case(case):
        return case
    if TaskState.objects.filter(scope.task_match_q(), case=case).exists():
        return case
    raise Http404


def access_case_for_application(*, user: Any, application_id: Any) -> Case:
    application_id = _uuid_or_404(application_id)
    case_id = Case.objects.filter(application_id=application_id).values_list("pk", flat=True).first()
    if case_id is None:
        raise Http404
    return access_case(user=user, case_id=case_id)


# ---------------------------------------------------------------------------- queues


@dataclass
class QueueFilters:
    status: str = CaseStatus.OPEN
    procedure_id: int | None = None
    due: str = ""  # "" | overdue | soon
    reference: str = ""
    sort: str = "due"  # due | new
    page: int = 1


@dataclass
class QueuePage:
    rows: list[Case]
    page: int
    has_next: bool
    today: dt.date
    soon: dt.date


def due_soon_date(today: dt.date | None = None) -> dt.date:
    return add_business_days(today or timezone.localdate(), DUE_SOON_BUSINESS_DAYS)


def case_queue(*, user: Any, queue: str, filters: QueueFilters | None = None) -> QueuePage:
    """One page of a work queue, sorted by deadline. Raises Http404 for a queue you lack."""
    filters = filters or QueueFilters()
    scope = require_reviewer(user)
    qs = Case.objects.all()
    if queue == Queue.MINE:
        # tasks claimed by or assigned to me, and those for my role that nobody has taken yet
        mine_ids = list(my_pending_tasks(user).order_by().values_list("case_id", flat=True)[:1000])
        qs = qs.filter(Q(assignee=user) | Q(pk__in=mine_ids)) if mine_ids else qs.filter(assignee=user)
    elif queue == Queue.TEAM:
        dept_ids = {g.department_id for g in scope.grants if g.department_id and g.role not in {Role.COUNTER}}
        org_ids = {
            g.organization_id
            for g in scope.grants
            if g.department_id is None and g.role not in {Role.COUNTER, Role.AUDITOR}
        }
        cond = Q(pk__in=[])
        if dept_ids:
            cond |= Q(department_id__in=dept_ids)
        if org_ids:
            cond |= Q(organization_id__in=org_ids)
        # Tasks for my department on other departments' cases (合議 etc.): few, so listed.
        cross = (
            list(
                TaskState.objects.filter(
                    status=TaskStatus.PENDING, cross_department=True, department_id__in=dept_ids
                )
                .order_by()
                .values_list("case_id", flat=True)[:1000]
            )
            if dept_ids
            else []
        )
        if cross:
            cond |= Q(pk__in=cross)
        qs = qs.filter(cond)
    elif queue == Queue.CENTRE:
        org_ids = scope.organization_ids(roles={Role.CENTRE, Role.ADMIN, Role.AUDITOR})
        if not org_ids:
            raise Http404
        qs = qs.filter(organization_id__in=org_ids)
    else:
        raise Http404
    today = timezone.localdate()
    soon = due_soon_date(today)
    if filters.status in CaseStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.procedure_id:
        qs = qs.filter(procedure_id=filters.procedure_id)
    if filters.due == "overdue":
        qs = qs.filter(due_date__lt=today)
    elif filters.due == "soon":
        qs = qs.filter(due_date__gte=today, due_date__lte=soon)
    if filters.reference:
        qs = qs.filter(reference_number__startswith=filters.reference.strip().upper())
    order = ["-opened_at"] if filters.sort == "new" else ["due_date", "opened_at"]
    page = max(1, min(filters.page, 200))
    start = (page - 1) * QUEUE_PAGE_SIZE
    rows = list(
        qs.select_related("assignee", "department").order_by(*order)[start : start + QUEUE_PAGE_SIZE + 1]
    )
    return QueuePage(
        rows=rows[:QUEUE_PAGE_SIZE], page=page, has_next=len(rows) > QUEUE_PAGE_SIZE, today=today, soon=soon
    )


# ---------------------------------------------------------------------------- the case page


def case_tasks(case: Case) -> list[TaskState]:
    return list(
        TaskState.objects.filter(case=case)
        .select_related("step", "department", "assignee", "claimed_by", "actor", "on_behalf_of")
        .order_by("id")
    )


def case_comments(case: Case) -> list[Comment]:
    return list(Comment.objects.filter(case=case).select_related("author"))


def case_history(case: Case) -> list[AuditEntry]:
    """All audit entries of the case and its subject (application or proposal), oldest first."""
    q = Q(target_type="review.case", target_id=str(case.pk))
    if case.application_id:
        q |= Q(target_type="applications.application", target_id=str(case.application_id))
    if case.proposal_id:
        q |= Q(target_type="review.proposal", target_id=str(case.proposal_id))
    entries = list(AuditEntry.objects.filter(q).select_related("actor").order_by("id")[:500])
    for entry in entries:
        label = HISTORY_LABELS.get(entry.action)
        step = (entry.after or {}).get("step") if isinstance(entry.after, dict) else None
        text = str(label) if label else entry.action
        entry.label = f"{text}（{step}）" if label and step else text  # type: ignore[attr-defined]
    return entries


def case_corrections(case: Case) -> list[CorrectionRequest]:
    return list(CorrectionRequest.objects.filter(case=case).select_related("requested_by"))


def case_notices(case: Case) -> list[Notice]:
    return list(Notice.objects.filter(case=case).defer("pdf").order_by("created_at"))


def application_revisions(application_id: Any) -> list[DataRevision]:
    return list(DataRevision.objects.filter(application_id=application_id).order_by("number"))


def revision_diff(definition: dict, older: dict, newer: dict) -> list[dict[str, Any]]:
    """Changed fields between two versions of the data, with labels and display values."""
    from madoguchi.procedures.fields import get_field_type
    from madoguchi.procedures.validation import iter_fields

    changes = []
    seen = set()
    for _step, spec in iter_fields(definition):
        key = spec["key"]
        seen.add(key)
        if older.get(key) == newer.get(key):
            continue
        field_type = get_field_type(spec["type"])
        changes.append(
            {
                "key": key,
                "label": spec.get("label", key),
                "before": field_type.display(older.get(key), spec),
                "after": field_type.display(newer.get(key), spec),
            }
        )
    for key in sorted((set(older) | set(newer)) - seen):
        if not key.startswith("__") and older.get(key) != newer.get(key):
            changes.append(
                {
                    "key": key,
                    "label": key,
                    "before": str(older.get(key, "")),
                    "after": str(newer.get(key, "")),
                }
            )
    return changes


def revisions_with_diffs(case: Case) -> list[dict[str, Any]]:
    if not case.application_id:
        return []
    revisions = application_revisions(case.application_id)
    definition = case.application.version.definition
    out = []
    for older, newer in zip(revisions, revisions[1:], strict=False):
        out.append({"revision": newer, "changes": revision_diff(definition, older.data, newer.data)})
    return out


# ---------------------------------------------------------------------------- notices


def access_notice(*, user: Any, notice_id: Any) -> Notice:
    """The applicant of the case, or staff who may see the case; 404 for everyone else."""
    notice_id = _uuid_or_404(notice_id)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    notice = Notice.objects.select_related("case__application").filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    application = notice.case.application
    if application is not None and application.applicant_id == user.pk:
        # a subscriber (payments) raises DomainError while the fee is unpaid
        events.emit("document.release_check", application=application)
        return notice
    if notice.case.proposal_id and notice.case.proposal.author_id == user.pk:
        return notice
    access_case(user=user, case_id=notice.case_id)  # raises Http404
    return notice


def application_notices(*, user: Any, application_id: Any) -> list[Notice]:
    """Signed notices of an applicant's own application (for the status page)."""
    return list(
        Notice.objects.filter(case__application_id=application_id, case__application__applicant=user)
        .defer("pdf")
        .order_by("created_at")
    )


# ---------------------------------------------------------------------------- corrections (applicant)


def access_correction(*, user: Any, correction_id: Any) -> CorrectionRequest:
    correction_id = _uuid_or_404(correction_id)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    correction = (
        CorrectionRequest.objects.select_related("application__version__procedure", "case")
        .filter(pk=correction_id, application__applicant=user)
        .first()
    )
    if correction is None:
        raise Http404
    return correction


def open_correction_for(*, user: Any, application_id: Any) -> CorrectionRequest | None:
    return CorrectionRequest.objects.filter(
        application_id=application_id, application__applicant=user, status="open"
    ).first()


# ---------------------------------------------------------------------------- 電子決定率


def e_decision_rate(
    *,
    organization_id: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
    department_id: int | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """電子決定率 = decisions taken electronically / all decisions, for a period."""
    from django.db.models import Count

    qs = Case.objects.filter(organization_id=organization_id, decided_at__isnull=False)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(decided_at__date__gte=since)
    if until:
        qs = qs.filter(decided_at__date__lte=until)
    agg = qs.aggregate(total=Count("pk"), electronic=Count("pk", filter=Q(is_electronic=True)))
    total, electronic = agg["total"], agg["electronic"]
    return {"total": total, "electronic": electronic, "rate": (electronic / total) if total else None}


# ---------------------------------------------------------------------------- everything the case page shows


def case_page(*, case: Case, user: Any) -> dict[str, Any]:
    """The case page: data rows, attachments, checks, route with tasks, history, comments,
    corrections, versions and what this user can do next. A constant number of queries."""
    from madoguchi.applications.models import Attachment
    from madoguchi.procedures.validation import display_rows
    from madoguchi.review.amendments import amendment_of
    from madoguchi.review.checks import run_checks
    from madoguchi.review.models import RouteStep
    from madoguchi.review.tickets import ticket_for_case

    scope = staff_scope(user)
    tasks = case_tasks(case)
    for task in tasks:
        task.case = case
    current = [t for t in tasks if t.round == case.step_round and t.status == TaskStatus.PENDING]
    actionable = [t for t in current if scope.may_act(t)] if case.status == CaseStatus.OPEN else []
    substitutable = [t for t in current if scope.may_substitute(t)] if case.status == CaseStatus.OPEN else []
    # 職務の分離: what you could do by role but may not do on this case, and why
    duty_notes: list[str] = []
    for group in (actionable, substitutable):
        for t in list(group):
            conflict = duty_conflict(t, user)
            if conflict is not None:
                group.remove(t)
                duty_notes.append(conflict)
    claimable = (
        [t for t in current if scope.may_claim(t) and duty_conflict(t, user) is None] if case.is_open else []
    )
    reassignable = [t for t in current if scope.may_reassign(t)] if case.is_open else []
    pull_back = [
        t
        for t in tasks
        if t.actor_id == user.pk
        and t.status == TaskStatus.APPROVED
        and case.status == CaseStatus.OPEN
        and (t.round == case.step_round or t.position == (case.current_position or 0) - 1)
    ][-1:]
    steps = list(
        RouteStep.objects.filter(route_id=case.route_id).prefetch_related("slots__department", "slots__user")
    )
    application = case.application
    rows, attachments, fields = [], [], []
    if application is not None:
        definition = application.version.definition
        rows = display_rows(definition, application.data)
        attachments = list(Attachment.objects.filter(application=application).order_by("created_at"))
        fields = [{"key": r["key"], "label": r["label"]} for r in rows]
        from madoguchi.procedures.validation import iter_fields

        shown = {r["key"] for r in rows}
        fields += [
            {"key": spec["key"], "label": spec.get("label", spec["key"])}
            for _s, spec in iter_fields(definition)
            if spec["key"] not in shown and spec.get("type") not in ("info", "heading")
        ]
    proposal_attachments = list(case.proposal.attachments.all()) if case.proposal_id else []
    today = timezone.localdate()
    return {
        "case": case,
        "application": application,
        "rows": rows,
        "amendment": amendment_of(case=case, user=user),  # a 変更届: the 指定 it changes
        "ticket": ticket_for_case(case),  # S13 受験票: issued, or what it waits for
        "attachments": attachments,
        "proposal_attachments": proposal_attachments,
        "checks": run_checks(case),
        "steps": steps,
        "tasks": tasks,
        "current_tasks": current,
        "actionable": actionable,
        "substitutable": substitutable,
        "claimable": claimable,
        "reassignable": reassignable,
        "pull_back": pull_back,
        "duty_notes": list(dict.fromkeys(duty_notes)),
        "is_decision_step": any(t.step.kind == "decision" for t in current),
        "previous_steps": [s for s in steps if s.position < (case.current_position or 0)],
        "history": case_history(case),
        "comments": case_comments(case),
        "corrections": case_corrections(case),
        "revisions": revisions_with_diffs(case),
        "notices": case_notices(case),
        "correctable_fields": fields,
        "today": today,
        "soon": due_soon_date(today),
        "can_comment": scope.has_role(*ACT_ROLES, organization_id=case.organization_id) or bool(actionable),
    }


# ---------------------------------------------------------------------------- what waits for you


@dataclass
class WorkItem:
    case: Case
    step_name: str
    due: dt.date | None
    overdue: bool
    soon: bool
    claimed: bool  # claimed by (or assigned to) this person, not just for their role


@dataclass
class WorkPage:
    mine: list[WorkItem]
    team: list[WorkItem]
    today: dt.date
    soon: dt.date


WORK_LIMIT = 100


def effective_due(task: TaskState, case: Case) -> dt.date | None:
    """The earlier of the step's own deadline and the case's (標準処理期間)."""
    dates = [d for d in (task.due_date, case.due_date) if d]
    return min(dates) if dates else None


def _work_order(item: WorkItem) -> tuple[Any, ...]:
    # overdue first, then the nearest deadline, cases without a deadline last; oldest first
    return (not item.overdue, item.due or dt.date.max, item.case.opened_at)


def my_pending_tasks(user: Any) -> QuerySet[TaskState]:
    """Pending tasks of the current step of open cases that wait for ``user``: claimed by them,
    assigned to them, or for their role over the task's department and not taken by anyone."""
    from django.db.models import F

    scope = staff_scope(user)
    role_q = Q(pk__in=[])
    for g in scope.grants:
        if g.role not in ACT_ROLES:
            continue
        cond = Q(role=g.role, case__organization_id=g.organization_id)
        if g.department_id is not None and g.role not in ORG_WIDE_ROLES:
            cond &= Q(department_id=g.department_id)
        role_q |= cond
    waiting = (
        Q(claimed_by=user)
        | Q(claimed_by__isnull=True, assignee=user)
        | (Q(claimed_by__isnull=True, assignee__isnull=True) & role_q)
    )
    return TaskState.objects.filter(
        waiting, status=TaskStatus.PENDING, round=F("case__step_round"), case__status=CaseStatus.OPEN
    )


def waiting_work(*, user: Any) -> WorkPage:
    """The staff landing page: what waits for *you* (your steps), then your team's open cases;
    overdue first, then by deadline. A constant number of queries."""
    scope = require_reviewer(user)
    today = timezone.localdate()
    soon = due_soon_date(today)
    tasks = list(
        my_pending_tasks(user)
        .select_related("case__department", "case__proposal", "step")
        .order_by("case_id", "id")[:1000]
    )
    acted = list(
        TaskState.objects.filter(
            actor_id=user.pk, status=TaskStatus.APPROVED, case_id__in={t.case_id for t in tasks}
        ).select_related("step")
    )
    by_case: dict[Any, WorkItem] = {}
    for task in tasks:
        case = task.case
        if duty_conflict(task, user, acted=acted) is not None:
            continue  # 職務の分離: someone else does this one
        due = effective_due(task, case)
        item = by_case.get(case.pk)
        if item is None or (due and (item.due is None or due < item.due)):
            by_case[case.pk] = WorkItem(
                case=case,
                step_name=task.step.name,
                due=due,
                overdue=bool(due and due < today),
                soon=bool(due and today <= due <= soon),
                claimed=task.claimed_by_id == user.pk or task.assignee_id == user.pk,
            )
    mine = sorted(by_case.values(), key=_work_order)[:WORK_LIMIT]
    dept_ids = {g.department_id for g in scope.grants if g.department_id and g.role in VIEW_ROLES}
    org_ids = {g.organization_id for g in scope.grants if g.department_id is None and g.role in ACT_ROLES}
    team_q = Q(pk__in=[])
    if dept_ids:
        team_q |= Q(department_id__in=dept_ids)
    if org_ids:
        team_q |= Q(organization_id__in=org_ids)
    team_rows = list(
        Case.objects.filter(team_q, status__in=[CaseStatus.OPEN, CaseStatus.CORRECTION])
        .exclude(pk__in=list(by_case))
        .select_related("department", "assignee")
        .order_by("due_date", "opened_at")[:WORK_LIMIT]
    )
    team = sorted(
        (
            WorkItem(
                case=c,
                step_name=c.current_step_name,
                due=c.due_date,
                overdue=bool(c.due_date and c.due_date < today and c.status == CaseStatus.OPEN),
                soon=bool(c.due_date and today <= c.due_date <= soon),
                claimed=False,
            )
            for c in team_rows
        ),
        key=_work_order,
    )
    return WorkPage(mine=mine, team=team, today=today, soon=soon)


# ---------------------------------------------------------------------------- separation of duties


def duty_conflict(task: TaskState, user: Any, *, acted: list[TaskState] | None = None) -> str | None:
    """Why ``user`` may not act on ``task`` under separation of duties (職務の分離), else None.

    - The author of a proposal (起案者) never approves or decides their own proposal.
    - A step marked ``distinct_actor`` (on by default for decisions and proposal routes) is
      done by someone who did not act on an earlier step of the case, nor on another part of
      this step."""
    from django.utils.translation import gettext as _

    case = task.case
    if case.proposal_id and case.proposal.author_id == user.pk:
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


# ---------------------------------------------------------------------------- 通知書の文面


def notice_procedures(*, user: Any) -> list[Any]:
    """Procedures whose notice wording this user may edit (owner/admin of their department)."""
    from madoguchi.procedures.models import Procedure
    from madoguchi.review.route_editor.selectors import EDITOR_ROLES, editor_scope, may_edit

    scope = editor_scope(user)  # 404 for everyone else
    org_ids = scope.organization_ids(EDITOR_ROLES)
    return [
        p
        for p in Procedure.objects.filter(organization_id__in=org_ids)
        .select_related("organization", "department")
        .order_by("organization_id", "title")
        if may_edit(scope, organization_id=p.organization_id, procedure=p)
    ]


def notice_procedure(*, user: Any, procedure_id: Any) -> Any:
    """One procedure this user may edit the notices of; 404 otherwise."""
    for procedure in notice_procedures(user=user):
        if str(procedure.pk) == str(procedure_id):
            return procedure
    raise Http404


def notice_wordings(procedure_id: int) -> dict[str, Any]:
    """The wording in force for both outcomes, and whether each part is the default."""
    from madoguchi.review import notices
    from madoguchi.review.models import NoticeTemplate

    rows = {t.outcome: t for t in NoticeTemplate.objects.filter(procedure_id=procedure_id)}
    out: dict[str, Any] = {}
    for outcome in ("approved", "rejected"):
        wording = notices.wording_for(procedure_id=procedure_id, outcome=outcome)
        row = rows.get(outcome)
        out[outcome] = {
            "wording": wording,
            "title": row.title if row else "",
            "body": row.body if row else "",
            "default_title": notices.DEFAULTS[wording.kind][outcome][0],
            "default_body": notices.DEFAULTS[wording.kind][outcome][1],
        }
    out["kind"] = out["approved"]["wording"].kind
    out["appeal"] = out["rejected"]["wording"].appeal
    return out
