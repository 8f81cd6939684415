"""JSON door to the back office, under /api/v1/staff/. Same services as the pages:
404 for cases you may not see, 403 when you may see but not act, 409 for stale/closed,
422 with per-field messages for bad input."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Router, Schema

from madoguchi.accounts.apiauth import require_user
from madoguchi.review import selectors, services

router = Router(tags=["review"])


class CaseRowOut(Schema):
    id: uuid.UUID
    reference_number: str
    title: str
    status: str
    current_step: str
    due_date: dt.date | None
    assignee: str | None


class QueueOut(Schema):
    page: int
    has_next: bool
    cases: list[CaseRowOut]


class TaskOut(Schema):
    id: int
    step: str
    kind: str
    position: int
    status: str
    actor: str | None
    substitute: bool
    comment: str


class CheckOut(Schema):
    label: str
    passed: bool
    reason: str


class CaseOut(Schema):
    id: uuid.UUID
    kind: str
    reference_number: str
    title: str
    status: str
    current_position: int | None
    due_date: dt.date | None
    data: dict | None
    tasks: list[TaskOut]
    checks: list[CheckOut]
    actionable_tasks: list[int]
    notices: list[str]


class CommentIn(Schema):
    comment: str = ""
    substitute: bool = False


class ReturnIn(Schema):
    comment: str
    to_position: int | None = None
    substitute: bool = False


class DecideIn(Schema):
    outcome: str
    reason: str = ""
    substitute: bool = False


class CorrectionIn(Schema):
    fields: list[str]
    message: str


class NoteIn(Schema):
    body: str


def _row(case) -> dict:
    return {
        "id": case.pk,
        "reference_number": case.reference_number,
        "title": case.title,
        "status": case.status,
        "current_step": case.current_step_name,
        "due_date": case.due_date,
        "assignee": str(case.assignee) if case.assignee_id else None,
    }


def _case(request, case_id) -> dict:
    case = selectors.access_case(user=request.user, case_id=case_id)
    page = selectors.case_page(case=case, user=request.user)
    return {
        "id": case.pk,
        "kind": case.kind,
        "reference_number": case.reference_number,
        "title": case.title,
        "status": case.status,
        "current_position": case.current_position,
        "due_date": case.due_date,
        "data": case.application.data if case.application_id else None,
        "tasks": [
            {
                "id": t.pk,
                "step": t.step.name,
                "kind": t.step.kind,
                "position": t.position,
                "status": t.status,
                "actor": str(t.actor) if t.actor_id else None,
                "substitute": t.substitute,
                "comment": t.comment,
            }
            for t in page["tasks"]
        ],
        "checks": [{"label": r.label, "passed": r.passed, "reason": r.reason} for r in page["checks"]],
        "actionable_tasks": [t.pk for t in page["actionable"]],
        "notices": [f"/staff/notices/{n.pk}.pdf" for n in page["notices"]],
    }


@router.get("/staff/queue/{queue}", response=QueueOut)
def queue(request, queue: str, status: str = "open", due: str = "", page: int = 1, sort: str = "due"):
    user = require_user(request)
    result = selectors.case_queue(
        user=user, queue=queue, filters=selectors.QueueFilters(status=status, due=due, page=page, sort=sort)
    )
    return {"page": result.page, "has_next": result.has_next, "cases": [_row(c) for c in result.rows]}


@router.get("/staff/cases/{case_id}", response=CaseOut)
def case_detail(request, case_id: str):
    require_user(request)
    return _case(request, case_id)


@router.post("/staff/cases/{case_id}/claim", response=CaseOut)
def claim(request, case_id: str):
    services.case_claim(user=require_user(request), case_id=case_id)
    return _case(request, case_id)


@router.post("/staff/cases/{case_id}/tasks/{task_id}/approve", response=CaseOut)
def approve(request, case_id: str, task_id: int, payload: CommentIn):
    services.task_approve(
        user=require_user(request),
        case_id=case_id,
        task_id=task_id,
        comment=payload.comment,
        substitute=payload.substitute,
    )
    return _case(request, case_id)


@router.post("/staff/cases/{case_id}/tasks/{task_id}/return", response=CaseOut)
def send_back(request, case_id: str, task_id: int, payload: ReturnIn):
    services.task_return(
        user=require_user(request),
        case_id=case_id,
        task_id=task_id,
        comment=payload.comment,
        to_position=payload.to_position,
        substitute=payload.substitute,
    )
    return _case(request, case_id)


@router.post("/staff/cases/{case_id}/tasks/{task_id}/pull-back", response=CaseOut)
def pull_back(request, case_id: str, task_id: int):
    services.task_pull_back(user=require_user(request), case_id=case_id, task_id=task_id)
    return _case(request, case_id)


@router.post("/staff/cases/{case_id}/tasks/{task_id}/decide", response=CaseOut)
def decide(request, case_id: str, task_id: int, payload: DecideIn):
    services.case_decide(
        user=require_user(request),
        case_id=case_id,
        task_id=task_id,
        outcome=payload.outcome,
        reason=payload.reason,
        substitute=payload.substitute,
    )
    return _case(request, case_id)


@router.post("/staff/cases/{case_id}/corrections", response=CaseOut)
def request_correction(request, case_id: str, payload: CorrectionIn):
    services.correction_request(
        user=require_user(request), case_id=case_id, fields=payload.fields, message=payload.message
    )
    return _case(request, case_id)


@router.post("/staff/cases/{case_id}/comments", response=CaseOut)
def add_comment(request, case_id: str, payload: NoteIn):
    services.comment_add(user=require_user(request), case_id=case_id, body=payload.body)
    return _case(request, case_id)
