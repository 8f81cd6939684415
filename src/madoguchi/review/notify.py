"""Outbox notices for review events (written in the event's transaction, sent after commit):
to the applicant (corrections, decisions) and to staff (work that reaches them, reminders)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.accounts.models import Membership, User
from madoguchi.accounts.types import Actor
from madoguchi.applications.models import Application
from madoguchi.core.memo import memoized
from madoguchi.core.wareki import to_wareki
from madoguchi.notifications.constants import ChannelKind
from madoguchi.notifications.models import ContactPreference, Notification
from madoguchi.notifications.services import (
    contact_preference,
    contact_preferences_preload,
    notification_enqueue,
)
from madoguchi.review.constants import ACT_ROLES, ORG_WIDE_ROLES
from madoguchi.review.selectors import effective_due


def _context(application: Application) -> dict[str, str]:
    return {
        "reference_number": application.reference_number,
        "procedure_title": application.procedure.title,
        "application_url": settings.SITE_URL + reverse("applications:detail", args=[application.pk]),
    }


def notify_correction_requested(*, application: Application, correction) -> None:
    from madoguchi.review.links import correction_url

    context = _context(application)
    context["application_url"] = settings.SITE_URL + correction_url(correction.pk)
    notification_enqueue(
        recipient=application.applicant,
        event="application.correction_requested",
        organization=application.organization,
        context={**context, "message": correction.message, "due_date": _("できるだけ早めにお願いします")},
        dedupe_key=f"application:{application.pk}:correction:{correction.pk}",
        sensitive=True,
        department_id=application.procedure.department_id,
    )


def notify_decided(*, application: Application, approved: bool, word: str = "", review_url: str = "") -> None:
    """``word``: the outcome in the procedure's terms (合格, 許可, 認定, …; notices.outcome_word).
    ``review_url``: the procedure's review form for this application (a ``NoticeLink`` feedback
    added); without one, the status page (which invites to the review of a decided application)."""
    context = _context(application)
    notification_enqueue(
        recipient=application.applicant,
        event="application.decided",
        organization=application.organization,
        context={
            **context,
            # lazily translated: rendered in the recipient's language (認定 → "Certified")
            "decision": gettext_lazy(word or ("承認" if approved else "不承認")),
            "review_url": review_url or context["application_url"],
        },
        dedupe_key=f"application:{application.pk}:decided",
        sensitive=True,
        department_id=application.procedure.department_id,
    )


# ---------------------------------------------------------------------------- staff: work reaches you


def _wareki_or_dash(day: Any) -> str:
    return to_wareki(day) if day else _("なし")


def task_recipients(task: Any, case: Any) -> list[User]:
    """Who a pending task waits for: the person it is claimed by or assigned to, else everyone
    with its role over its department (as ``CaseScope.may_act`` decides)."""
    if task.claimed_by_id:
        return list(User.objects.filter(pk=task.claimed_by_id, is_active=True))
    if task.assignee_id:
        return list(User.objects.filter(pk=task.assignee_id, is_active=True))
    if not task.role or task.role not in ACT_ROLES:
        return []
    department_id = None if task.role in ORG_WIDE_ROLES else task.department_id

    def load() -> list[User]:
        people = role_holders(
            organization_id=case.organization_id,
            role=task.role,
            department_id=department_id,
            any_department=task.role in ORG_WIDE_ROLES,
        )
        # a batch of follow-ups tells them: their contact preferences in one statement
        contact_preferences_preload(user.pk for user in people)
        return people

    # the same people for every case of a batch of follow-ups (core.memo; every time elsewhere)
    return memoized(("review.task_recipients", case.organization_id, task.role, department_id), load)


_HOLDERS_SQL: dict[tuple[str, bool], str] = {}


def role_holders(*, organization_id: Any, role: str, department_id: Any, any_department: bool) -> list[User]:
    """The active users holding ``role`` in the organization — over ``department_id`` (or the
    whole organization) unless ``any_department`` — by id: ``User.objects.filter(pk__in=
    Membership.objects.filter(organization_id=…, role=…, user__is_active=True)[.filter(
    Q(department__isnull=True) | Q(department_id=department_id))].values("user_id")).order_by("pk")``
    with the statement written once per process (core/hotpath, decision 0029): every step that
    starts reads them, a batch of follow-ups once per batch, and the ORM's build of this read
    was ≈ 6 % of the worker's CPU per application (docs/performance.md, issue 19, eighth
    session). ``tests/test_notify_recipients.py`` holds it to the ORM's queryset."""
    from django.db import transaction

    from madoguchi.core.hotpath import cursor as kept_cursor
    from madoguchi.core.hotpath import model_columns

    connection = transaction.get_connection()
    columns = model_columns(User, connection, "t0")
    key = (connection.vendor, any_department)
    sql = _HOLDERS_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        users, memberships = quote(User._meta.db_table), quote(Membership._meta.db_table)
        where = (
            f"m.{quote('organization_id')} = %s AND m.{quote('role')} = %s AND u.{quote('is_active')} = %s"
        )
        if not any_department:
            where += f" AND (m.{quote('department_id')} IS NULL OR m.{quote('department_id')} = %s)"
        sql = _HOLDERS_SQL[key] = (
            f"SELECT {columns.sql} FROM {users} {quote('t0')} WHERE {quote('t0')}.{quote('id')} IN "
            f"(SELECT m.{quote('user_id')} FROM {memberships} m INNER JOIN {users} u "
            f"ON u.{quote('id')} = m.{quote('user_id')} WHERE {where}) ORDER BY {quote('t0')}.{quote('id')}"
        )
    meta = Membership._meta
    organization, department = meta.get_field("organization"), meta.get_field("department")
    active = User._meta.get_field("is_active")
    assert isinstance(organization, models.Field) and isinstance(department, models.Field)
    assert isinstance(active, models.Field)
    params = [
        organization.get_db_prep_value(organization_id, connection),
        role,
        active.get_db_prep_value(True, connection),
    ]
    if not any_department:
        params.append(department.get_db_prep_value(department_id, connection))
    cursor = kept_cursor(connection)
    cursor.execute(sql, params)
    found = []
    for values in cursor.fetchall():
        user = columns.instance(values, connection)
        assert isinstance(user, User)
        found.append(user)
    return found


def _task_context(task: Any, case: Any) -> dict[str, str]:
    return {
        "reference_number": case.reference_number,
        "case_title": case.title,
        "step_name": task.step.name if task.step_id else case.current_step_name,
        "due_date": _wareki_or_dash(effective_due(task, case)),
        "case_url": settings.SITE_URL + reverse("review:case", args=[case.pk]),
    }


def _staff_preference(user: User) -> ContactPreference | None:
    """The person's contact preference, read once per batch of follow-ups (core.memo)."""
    return contact_preference(user.pk)


def _staff_channels(preference: ContactPreference | None) -> list[str]:
    """In-app (mailbox) always; e-mail now unless the person takes one digest a day."""
    if preference is not None and preference.staff_digest:
        return [ChannelKind.MAILBOX]
    return [ChannelKind.MAILBOX, ChannelKind.EMAIL]


def notify_tasks_started(*, case: Any, tasks: list[Any], actor: Actor = None) -> int:
    """A step started: tell each person it now waits for (once per person and step round).

    Called inside the engine's transaction: the outbox rows are written with the step and
    sent after commit. The person who caused the step to start is not told about it."""
    actor_id = getattr(actor, "pk", None)
    sent = 0
    seen: set[int] = set()
    for task in tasks:
        for user in task_recipients(task, case):
            if user.pk in seen or user.pk == actor_id:
                continue
            seen.add(user.pk)
            preference = _staff_preference(user)
            notification_enqueue(
                recipient=user,
                event="review.task_assigned",
                organization=case.organization,
                context=_task_context(task, case),
                dedupe_key=f"case:{case.pk}:round:{case.step_round}:assigned",
                channels=_staff_channels(preference),
                preference=preference,
                webhooks=[],
                department_id=case.department_id,
            )
            sent += 1
    return sent


def notify_task_reassigned(*, case: Any, task: Any, to_user: User, actor: Actor = None) -> None:
    if to_user.pk == getattr(actor, "pk", None):
        return
    preference = _staff_preference(to_user)
    notification_enqueue(
        recipient=to_user,
        event="review.task_assigned",
        organization=case.organization,
        context=_task_context(task, case),
        dedupe_key=f"task:{task.pk}:to:{to_user.pk}",
        channels=_staff_channels(preference),
        preference=preference,
        webhooks=[],
        department_id=case.department_id,
    )


def notify_task_due(*, case: Any, task: Any, due: Any) -> int:
    """Reminder before (or at) a step's deadline; once per step round and deadline."""
    sent = 0
    dedupe_key = f"case:{case.pk}:round:{case.step_round}:due:{due.isoformat()}"
    for user in task_recipients(task, case):
        if Notification.objects.filter(
            recipient=user, event="review.task_due", dedupe_key=dedupe_key
        ).exists():
            continue  # reminded already (another task of the step, or an earlier run)
        notification_enqueue(
            recipient=user,
            event="review.task_due",
            organization=case.organization,
            context={**_task_context(task, case), "due_date": _wareki_or_dash(due)},
            dedupe_key=dedupe_key,
            channels=[ChannelKind.MAILBOX, ChannelKind.EMAIL],
            webhooks=[],
            department_id=case.department_id,
        )
        sent += 1
    return sent
