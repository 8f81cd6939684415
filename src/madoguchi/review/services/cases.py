"""Cases: opening one for a new application, closing a withdrawn one, claiming (担当する), reassigning a task, comments."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.types import Actor, User
from madoguchi.applications.models import Application
from madoguchi.applications.selectors import received_at
from madoguchi.audit.services import audit_record
from madoguchi.core.business_days import add_business_days
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.review import selectors
from madoguchi.review.checks import business_key_for
from madoguchi.review.constants import CaseKind, CaseStatus, TaskStatus
from madoguchi.review.models import Case, Comment, DataRevision, TaskState
from madoguchi.review.notify import notify_task_reassigned
from madoguchi.review.permissions import CaseScope, user_fits_task
from madoguchi.review.services.routes import route_for_procedure
from madoguchi.review.services.steps import (
    actor_label,
    case_lock,
    case_mark_in_review,
    case_require_open,
    step_prepare,
    step_start,
    step_started,
    task_of,
    task_with_case,
    tasks_close_remaining,
    tasks_current_pending,
)

# ---------------------------------------------------------------------------- opening a case


def case_open_for_application(*, application: Application, actor: Actor = None) -> Case:
    """Open the review case of a new application (idempotent) and start its route."""
    existing = Case.objects.filter(application=application).first()
    if existing is not None:
        return existing
    # the 標準処理期間 counts from 受付: for an application that waited for its fee, the payment
    received = received_at(application)
    with transaction.atomic():
        case = _case_for(application, received=received)
        case.save(force_insert=True)
        _first_revision(application).save(force_insert=True)
        _audit_opened(case, application, actor)
        step_start(case, 1, actor=actor or "system")
    return case


# rows per INSERT when many cases open together (PostgreSQL takes 65,535 parameters per statement)
BULK_INSERT_ROWS = 500


def cases_open_for_applications(*, openings: list[tuple[Application, Actor]]) -> dict[Any, Exception]:
    """Open the review cases of several new applications at once (a batch of follow-ups; each
    with the actor ``case_open_for_application`` would be given): the same case, data revision,
    first tasks, audit entries (case.opened, case.step_started) and staff notices per
    application, written with one INSERT per table instead of a few statements each.

    Everything is prepared before anything is written: an application whose case cannot be
    prepared (its route is broken, say) is left out — nothing of it is written — and returned
    with its error; ``{}`` when all were opened. An application that has a case already is
    skipped (idempotent). A database error is raised (the caller's savepoint decides). Call it
    inside a transaction, best with ``audit_batch()`` and ``notifications_batch()`` open.
    """
    from django.db import DatabaseError

    from madoguchi.applications.selectors import received_at_many

    have_case = applications_with_case([a.pk for a, _actor in openings])
    openings = [(a, actor) for a, actor in openings if a.pk not in have_case]
    if not openings:
        return {}
    received = received_at_many([a for a, _actor in openings])
    failed: dict[Any, Exception] = {}
    prepared = []
    for application, actor in openings:
        try:
            case = _case_for(application, received=received[application.pk])
            step, tasks, unnamed = step_prepare(case, 1)
        except DatabaseError:
            raise
        except Exception as exc:  # noqa: BLE001 - this application is skipped and reported
            failed[application.pk] = exc
            continue
        prepared.append((application, actor, case, step, tasks, unnamed))
    if not prepared:
        return failed
    _insert_rows(
        [case for _a, _actor, case, *_rest in prepared],
        [_first_revision(application) for application, *_rest in prepared],
        [task for *_head, tasks, _unnamed in prepared for task in tasks],
    )
    for application, actor, case, step, tasks, unnamed in prepared:
        _audit_opened(case, application, actor)
        step_started(case, step, tasks, unnamed=unnamed, actor=actor or "system")
    return failed


_WITH_CASE_SQL: dict[tuple[str, int], str] = {}


def applications_with_case(application_ids: list[Any]) -> set[Any]:
    """Which of these applications have a case: ``set(Case.objects.filter(application__in=ids)
    .values_list("application_id", flat=True))`` with the statement written once per process
    and id count (core/hotpath, decision 0029) — every batch of follow-ups asks, and the ORM's
    build of it was most of its cost. ``tests/test_cases_open_batch_reads.py`` holds it to the
    ORM's."""
    from madoguchi.core.hotpath import cursor as kept_cursor

    if not application_ids:
        return set()
    connection = transaction.get_connection()
    field = Case._meta.get_field("application")
    assert isinstance(field, models.ForeignKey)
    key = (connection.vendor, len(application_ids))
    sql = _WITH_CASE_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        column = quote(field.column)
        sql = _WITH_CASE_SQL[key] = (
            f"SELECT {column} FROM {quote(Case._meta.db_table)} "
            f"WHERE {column} IN ({', '.join(['%s'] * len(application_ids))})"
        )
    # the values as the ORM gives them back (a UUID kept as text on SQLite)
    col = field.get_col(Case._meta.db_table)
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    cursor = kept_cursor(connection)
    cursor.execute(sql, [field.get_db_prep_value(pk, connection) for pk in application_ids])
    found = set()
    for (value,) in cursor.fetchall():
        for converter in converters:
            value = converter(value, col, connection)
        found.add(value)
    return found


def _insert_rows(*tables: list[Any]) -> None:
    """One INSERT per table (``core.multirow.insert_many``: ``bulk_create``'s rows without
    building its statement per call)."""
    from madoguchi.core.multirow import insert_many

    connection = transaction.get_connection()
    for rows in tables:
        insert_many(rows, connection, batch_size=BULK_INSERT_ROWS)


def _case_for(application: Application, *, received: Any) -> Case:
    """The case of a new application, not saved yet (its route made when the procedure has none)."""
    procedure = application.procedure
    route = route_for_procedure(procedure=procedure)
    received_on = timezone.localdate(received)
    due = (
        add_business_days(received_on, procedure.standard_processing_days)
        if procedure.standard_processing_days
        else None
    )
    applicant_label = (
        application.principal_name
        or _first_name_value(application)
        or application.applicant.display_name
        or application.applicant.email
    )
    case = Case(
        organization_id=application.organization_id,
        department_id=procedure.department_id,
        kind=CaseKind.APPLICATION,
        application=application,
        procedure=procedure,
        route=route,
        title=procedure.title[:200],
        reference_number=application.reference_number,
        applicant_label=_flatten_name(applicant_label)[:200],
        opened_at=received,
        due_date=due,
        business_key=business_key_for(procedure.pk, application.data),
    )
    if procedure.organization_id == application.organization_id:
        # loaded with the procedure already: the staff notices name it without reading it again
        case.organization = procedure.organization
    return case


def _first_revision(application: Application) -> DataRevision:
    return DataRevision(
        application=application,
        number=1,
        data=application.data,
        reason="submitted",
        created_by=application.entered_by or application.applicant,
    )


def _audit_opened(case: Case, application: Application, actor: Actor) -> None:
    audit_record(
        actor=actor or "system",
        action="case.opened",
        target=case,
        after={
            "application": str(application.pk),
            "route": case.route_id,
            "due_date": case.due_date.isoformat() if case.due_date else None,
        },
    )


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


def case_close_withdrawn(*, application: Application, actor: Actor = None) -> Case | None:
    """The applicant withdrew: the case closes and pending tasks are cancelled."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(application=application).first()
        if case is None or not case.is_open:
            return case
        before = case.status
        case.status = CaseStatus.WITHDRAWN
        case.assignee = None
        case.save(update_fields=["status", "assignee", "updated_at"])
        tasks_close_remaining(case, TaskStatus.CANCELLED)
        audit_record(
            actor=actor or "system",
            action="case.withdrawn",
            target=case,
            before={"status": before},
            after={"status": case.status},
        )
    return case


# ---------------------------------------------------------------------------- queue work


def case_claim(*, user: User, case_id: Any) -> Case:
    """Take the pending tasks of the case that are yours to take (担当する)."""
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = case_lock(user, case_id)
        case_require_open(case)
        claimable = [
            t
            for t in tasks_current_pending(case)
            if task_with_case(t, case) and scope.may_claim(t) and selectors.duty_conflict(t, user) is None
        ]
        if not claimable:
            raise PermissionDeniedError(_("この案件で担当できる処理はありません。"))
        for task in claimable:
            task.claimed_by = user
            task.save(update_fields=["claimed_by"])
        case.assignee = user
        case.save(update_fields=["assignee", "updated_at"])
        case_mark_in_review(case, user)
        audit_record(
            actor=user,
            action="case.claimed",
            target=case,
            after={"tasks": [t.pk for t in claimable], "assignee": actor_label(user)},
        )
    return case


def task_reassign(*, user: User, case_id: Any, task_id: Any, to_user: User | None) -> TaskState:
    """Hand a pending task to another staff member who could do it (振替)."""
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = case_lock(user, case_id)
        case_require_open(case)
        task = task_of(case, task_id)
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
        before = {"claimed_by": actor_label(task.claimed_by)}
        task.claimed_by = to_user
        task.save(update_fields=["claimed_by"])
        case.assignee = to_user
        case.save(update_fields=["assignee", "updated_at"])
        audit_record(
            actor=user,
            action="task.reassigned",
            target=case,
            before=before,
            after={"task": task.pk, "claimed_by": actor_label(to_user)},
        )
        notify_task_reassigned(case=case, task=task, to_user=to_user, actor=user)
    return task


def comment_add(*, user: User, case_id: Any, body: str) -> Comment:
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
