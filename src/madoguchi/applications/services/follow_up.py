"""After the submission: the follow-up (review case, receipt notice) with its sweeper, and
withdrawal by the applicant."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.types import Actor, User
from madoguchi.applications.constants import WITHDRAWABLE, ApplicationStatus
from madoguchi.applications.models import Application, ApplicationEvent
from madoguchi.applications.services.status import event_texts
from madoguchi.applications.timeline import Line
from madoguchi.audit.services import audit_batch, audit_record
from madoguchi.core import events, hotpath
from madoguchi.core.errors import DomainError
from madoguchi.core.memo import batch_memo, batch_memo_forget
from madoguchi.notifications.services import notifications_batch

logger = logging.getLogger(__name__)


def _notify_submitted(application: Application) -> None:
    """Outbox rows for the receipt notice, written in the submitting transaction."""
    from django.conf import settings
    from django.urls import reverse

    from madoguchi.notifications.services import notification_enqueue

    procedure = application.procedure
    notification_enqueue(
        recipient=application.applicant,
        event="application.submitted",
        organization=procedure.organization,
        context={
            "reference_number": application.reference_number,
            "procedure_title": procedure.title,
            "application_url": settings.SITE_URL + reverse("applications:detail", args=[application.pk]),
        },
        dedupe_key=f"application:{application.pk}",
        department_id=procedure.department_id,
    )


def _follow_up_one(application: Application, actor: Actor) -> None:
    """The follow-up of one locked application, inside the caller's transaction (what
    ``_follow_up_many`` does for many; used when a batch's writes failed together)."""
    from madoguchi.applications.backoffice import backoffice

    _notify_submitted(application)
    backoffice().case_open(
        application=application, actor=actor or application.entered_by or application.applicant
    )
    if application.status == ApplicationStatus.WITHDRAWN:  # withdrawn before this ran
        backoffice().case_close_withdrawn(application=application, actor=actor or application.applicant)


def _follow_up_many(applications: list[Application], actor: Actor) -> dict[Any, Exception]:
    """The follow-up of several locked applications together, inside the caller's transaction:
    their cases opened at once (one INSERT per table), their receipt notices written with the
    block's other outbox rows (``notifications_batch``). An application whose case could not
    be prepared gets nothing (no receipt either) and is returned with its error."""
    from madoguchi.applications.backoffice import backoffice
    from madoguchi.notifications.services import contact_preferences_preload

    contact_preferences_preload(a.applicant_id for a in applications)
    failed = backoffice().cases_open(
        openings=[(a, actor or a.entered_by or a.applicant) for a in applications]
    )
    for application in applications:
        if application.pk in failed:
            continue
        _notify_submitted(application)
        if application.status == ApplicationStatus.WITHDRAWN:  # withdrawn before this ran
            backoffice().case_close_withdrawn(application=application, actor=actor or application.applicant)
    return failed


# what a follow-up reads with each application it claims (the case, the receipt, the notices)
CLAIM_RELATED = ("procedure__organization", "applicant", "entered_by", "version")


def _claim(
    *, application_id: Any = None, limit: int, submitted_before: Any = None, exclude: Iterable[Any] = ()
) -> list[Application]:
    """Claim applications still waiting for their follow-up, in one statement: ``application_id``
    first (when it still waits), then the oldest others (submitted before ``submitted_before``
    when given, none of ``exclude``), ``limit`` in all, each with its procedure, organization,
    applicant, enterer and version — ``SELECT … FOR UPDATE OF the application SKIP LOCKED``, so
    a row another worker holds is skipped, never waited for. Written out once per process
    (core/hotpath, decision 0029): the ORM built this claim as two statements (the asked-for
    application, then the others) for ≈1 ms of CPU, and every follow-up task runs it, also the
    many that find their application taken by an earlier batch. Held to the ORM's queryset
    ``Application.objects.select_for_update(of=("self",), skip_locked=True).select_related(…)
    .filter(followed_up_at__isnull=True).exclude(status=AWAITING_PAYMENT)`` by
    ``tests/test_follow_up_claim.py``."""
    from madoguchi.core.hotpath import related_columns

    connection = transaction.get_connection()
    rows = related_columns(Application, CLAIM_RELATED, connection)

    def prep(name: str, value: Any) -> Any:
        model_field = Application._meta.get_field(name)
        assert isinstance(model_field, models.Field)
        return model_field.get_db_prep_value(model_field.to_python(value), connection)

    own = None
    if application_id is not None:
        try:
            own = prep("id", application_id)
        except (ValueError, TypeError, ValidationError):
            own = None  # not an application id: only the others
    id_col, submitted_col = rows.column("", "id"), rows.column("", "submitted_at")
    where = [f"{rows.column('', 'followed_up_at')} IS NULL", f"{rows.column('', 'status')} <> %s"]
    params: list[Any] = [ApplicationStatus.AWAITING_PAYMENT]
    if submitted_before is not None:
        if own is not None:
            where.append(f"({id_col} = %s OR {submitted_col} <= %s)")
            params += [own, prep("submitted_at", submitted_before)]
        else:
            where.append(f"{submitted_col} <= %s")
            params.append(prep("submitted_at", submitted_before))
    excluded = []
    for pk in exclude:
        try:
            value = prep("id", pk)
        except (ValueError, TypeError, ValidationError):
            continue
        if value != own:
            excluded.append(value)
    if excluded:
        where.append(f"{id_col} NOT IN ({', '.join(['%s'] * len(excluded))})")
        params += excluded
    order = ""
    if own is not None:
        order = f"CASE WHEN {id_col} = %s THEN 0 ELSE 1 END, "
        params.append(own)
    params.append(limit)
    lock = ""
    if connection.features.has_select_for_update_skip_locked:
        lock = (
            f" FOR UPDATE OF {rows.quote('t0')} SKIP LOCKED"
            if connection.features.has_select_for_update_of
            else " FOR UPDATE SKIP LOCKED"
        )
    sql = f"{rows.sql} WHERE {' AND '.join(where)} ORDER BY {order}{submitted_col}, {id_col} LIMIT %s{lock}"
    cursor = hotpath.cursor(connection)
    cursor.execute(sql, params)
    found = cursor.fetchall()
    claimed = []
    for values in found:
        application = rows.instance(values, connection)
        assert isinstance(application, Application)
        claimed.append(application)
    return claimed


def application_follow_up(*, application_id: Any, actor: Actor = None) -> bool:
    """Do the work that follows a submission, exactly once: open the review case (route,
    deadline, first tasks) and write the receipt notice to the outbox.

    It runs in its own transaction right after the submission commits (a Celery task, eager in
    the embedded set-up), so the submission itself stays short; ``applications_follow_up_sweep``
    catches up with any that a crash or a broker outage left behind. Returns False when there
    was nothing to do (already done, or no such application).
    """
    # audit_batch: the case's audit entries are chained at the end, so the chain head (locked
    # by every audited change) is held for the last statements only, not the whole follow-up.
    with transaction.atomic(), audit_batch(), notifications_batch():
        try:
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("procedure__organization", "applicant", "entered_by", "version")
                .get(pk=application_id)
            )
        except (Application.DoesNotExist, ValueError, ValidationError):
            return False
        if application.followed_up_at is not None or application.status == ApplicationStatus.AWAITING_PAYMENT:
            return False
        failed = _follow_up_many([application], actor)
        if failed:
            raise failed[application.pk]
        application.followed_up_at = timezone.now()
        application.save(update_fields=["followed_up_at"])
    return True


def applications_follow_up_batch(
    *,
    application_id: Any = None,
    limit: int | None = None,
    submitted_before: Any = None,
    exclude: Iterable[Any] = (),
) -> dict[str, Any]:
    """Follow up several applications in one transaction: ``application_id`` first (when
    given), then the oldest others still waiting (submitted before ``submitted_before`` when
    given), ``limit`` in all.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so workers and sweepers running at the same
    time share the work instead of queueing behind one another, and each application is
    followed up once. The batch's cases, tasks, receipts and audit entries are written
    together (one INSERT per table, ``_follow_up_many``): one whose case cannot be prepared
    (a broken route, say) is counted and skipped with nothing written, the others commit.
    Should the writes fail together, the batch's savepoint rolls them back and each
    application is followed up on its own, with a savepoint each, so again only the one at
    fault is skipped. A transient failure (the database or Redis went away) rolls the whole
    batch back and is raised for the caller to retry.

    Returns ``{"claimed", "done": [ids], "failed": [ids]}``.
    """
    from django.conf import settings

    limit = limit if limit is not None else settings.APPLICATION_FOLLOW_UP_BATCH
    keep = float(getattr(settings, "APPLICATION_FOLLOW_UP_CONFIG_SECONDS", 0))
    try:
        return _follow_up_batch(
            application_id=application_id,
            limit=limit,
            submitted_before=submitted_before,
            exclude=exclude,
            keep_seconds=keep,
        )
    except BaseException:
        batch_memo_forget()  # what this process kept may be why it failed
        raise


def _follow_up_batch(
    *, application_id: Any, limit: int, submitted_before: Any, exclude: Iterable[Any], keep_seconds: float
) -> dict[str, Any]:
    from madoguchi.core.errors import is_transient

    done: list[Any] = []
    failed: list[Any] = []
    # the outbox rows are written when the block ends, the audit entries after them: the chain
    # head (locked by every audited change) is still the last thing the transaction takes; the
    # procedure's configuration read by one batch serves the next ones for keep_seconds (core.memo)
    with transaction.atomic(), audit_batch(), batch_memo(keep_seconds=keep_seconds), notifications_batch():
        claimed = _claim(
            application_id=application_id, limit=limit, submitted_before=submitted_before, exclude=exclude
        )
        refused: dict[Any, Exception] = {}
        if claimed:
            try:
                with transaction.atomic(), audit_batch(), notifications_batch():  # one savepoint
                    refused = _follow_up_many(claimed, None)
            except Exception as exc:
                if is_transient(exc):
                    raise
                # the batch's writes failed together (its savepoint rolled them back): one at a
                # time, so that only the application at fault is skipped
                logger.exception("follow-up of a batch of %s failed; one at a time", len(claimed))
                batch_memo_forget()  # what was remembered may have been rolled back
                refused = {}
                for application in claimed:
                    try:
                        with transaction.atomic(), audit_batch(), notifications_batch():  # a savepoint each
                            _follow_up_one(application, None)
                    except Exception as error:
                        if is_transient(error):
                            raise
                        refused[application.pk] = error
        for application in claimed:
            if application.pk in refused:
                failed.append(application.pk)
                logger.error(
                    "follow-up of application %s failed", application.pk, exc_info=refused[application.pk]
                )
            else:
                done.append(application.pk)
        if done:
            _mark_followed_up(done)
    if failed:
        batch_memo_forget()  # the next batch reads the configuration afresh
    return {"claimed": len(claimed), "done": done, "failed": failed}


_FOLLOWED_UP_SQL: dict[tuple[str, int], str] = {}


def _mark_followed_up(ids: list[Any]) -> None:
    """``Application.objects.filter(pk__in=ids).update(followed_up_at=now)`` — the batch's done
    marker — with the UPDATE's text made once per process and id count (core/hotpath, decision
    0029): the ORM built it for every batch. ``tests/test_follow_up_batch.py`` holds it to the
    ORM's."""
    connection = transaction.get_connection()
    key = (connection.vendor, len(ids))
    sql = _FOLLOWED_UP_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        marks = ", ".join(["%s"] * len(ids))
        sql = _FOLLOWED_UP_SQL[key] = (
            f"UPDATE {quote(Application._meta.db_table)} SET {quote('followed_up_at')} = %s "
            f"WHERE {quote('id')} IN ({marks})"
        )
    meta = Application._meta
    marker, pk = meta.get_field("followed_up_at"), meta.pk
    assert isinstance(marker, models.Field) and pk is not None
    params = [marker.get_db_prep_value(timezone.now(), connection)]
    params += [pk.get_db_prep_value(pk.to_python(value), connection) for value in ids]
    hotpath.cursor(connection).execute(sql, params)


# Set (shared cache) when a follow-up task is queued, deleted when a task starts: while it is
# there a task that has not started yet will take every application committed before it starts,
# so a rush queues one task per burst instead of one per submission (each message costs the
# worker a broker round trip and a claim that finds nothing). It expires, so a lost message
# holds nothing back for longer than this; the sweeper remains the safety net.
FOLLOW_UP_QUEUED_KEY = "applications:follow-up-queued"
FOLLOW_UP_QUEUED_SECONDS = 5


def application_follow_up_dispatch(application_id: Any) -> None:
    """Hand the follow-up to Celery after commit — unless a queued task has not started yet,
    which takes this application too (the gate's key, in a store every process shares:
    ``follow_up_gate.py``). A broker failure only logs: the sweeper (beat, or ``madoguchi
    applications sweep``) does it later."""
    from django.conf import settings

    from madoguchi.applications.services.follow_up_gate import follow_up_gate_store
    from madoguchi.applications.services.follow_up_run import follow_up_queued_at
    from madoguchi.applications.tasks import application_follow_up_task

    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        try:
            store = follow_up_gate_store()
            if store is not None and not store.add(
                FOLLOW_UP_QUEUED_KEY, str(application_id), FOLLOW_UP_QUEUED_SECONDS
            ):
                return
        except Exception:  # noqa: BLE001 - the store is down: queue the task as before
            logger.warning("follow-up gate unavailable; queueing the task for %s", application_id)
    try:
        application_follow_up_task.apply_async(
            args=[str(application_id)], kwargs={"queued_at": follow_up_queued_at()}
        )
    except Exception:  # noqa: BLE001 - broker down, or an eager follow-up that failed
        logger.exception("could not follow up application %s; the sweeper will", application_id)


def follow_up_task_started() -> bool:
    """A follow-up task starts: the next submission queues a task of its own again.

    Returns whether the gate is in use: then this task may stand for applications whose
    submissions queued nothing while it waited (the gate held), so it must claim — it is never
    "covered" by an earlier claim (``follow_up_run.follow_up_is_covered``), which could not
    have seen the applications committed after it."""
    from madoguchi.applications.services.follow_up_gate import follow_up_gate_store

    try:
        store = follow_up_gate_store()
    except Exception:  # noqa: BLE001 - cannot tell: assume the gate held submissions back
        logger.warning("could not clear the follow-up gate")
        return True
    if store is None:
        return False
    try:
        store.delete(FOLLOW_UP_QUEUED_KEY)
    except Exception:  # noqa: BLE001 - the store is down: the key expires by itself
        logger.warning("could not clear the follow-up gate")
    return True


def applications_waiting_count(*, grace_seconds: float | None = None) -> int:
    """Submitted applications still without their follow-up ``grace_seconds`` after submission."""
    from django.conf import settings

    grace = grace_seconds if grace_seconds is not None else settings.APPLICATION_FOLLOW_UP_GRACE_SECONDS
    cutoff = timezone.now() - timedelta(seconds=grace)
    return _waiting(cutoff).count()


def _waiting(cutoff: Any):
    """Applications whose follow-up is due (not those still waiting for their fee)."""
    return Application.objects.filter(followed_up_at__isnull=True, submitted_at__lte=cutoff).exclude(
        status=ApplicationStatus.AWAITING_PAYMENT
    )


def applications_follow_up_sweep(
    *,
    grace_seconds: float | None = None,
    batch_size: int | None = None,
    max_seconds: float | None = None,
    on_batch: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """Follow up, in batches, every application whose follow-up has not happened
    ``grace_seconds`` after it was submitted (the process died after the commit, the broker was
    down or restarted empty, a worker crashed) — until none remain, or ``max_seconds`` have
    passed (then ``remaining`` says how many still wait; the beat task goes on at once).

    Returns ``{"done", "failed", "batches", "remaining"}``; ``on_batch`` sees the running totals
    after each batch (the command prints them).
    """
    import time

    from django.conf import settings

    grace = grace_seconds if grace_seconds is not None else settings.APPLICATION_FOLLOW_UP_GRACE_SECONDS
    batch_size = batch_size or settings.APPLICATION_FOLLOW_UP_SWEEP_BATCH
    cutoff = timezone.now() - timedelta(seconds=grace)
    started = time.monotonic()
    totals = {"done": 0, "failed": 0, "batches": 0}
    failed: list[Any] = []
    while max_seconds is None or time.monotonic() - started < max_seconds:
        result = applications_follow_up_batch(limit=batch_size, submitted_before=cutoff, exclude=failed)
        if not result["claimed"]:
            break
        totals["batches"] += 1
        totals["done"] += len(result["done"])
        totals["failed"] += len(result["failed"])
        failed += result["failed"]
        if on_batch is not None:
            on_batch(dict(totals))
    remaining = _waiting(cutoff).count()
    return {**totals, "remaining": remaining}


def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.applicant_id != getattr(actor, "pk", None):
            raise DomainError(_("この申請を取り下げることはできません。"), code="forbidden", status=403)
        if locked.status == ApplicationStatus.WITHDRAWN:
            return locked
        if locked.status not in WITHDRAWABLE:
            raise DomainError(_("決定済みの申請は取り下げられません。"), code="already_decided")
        before = {"status": locked.status}
        fields = ["status", "updated_at"]
        if locked.status == ApplicationStatus.AWAITING_PAYMENT:
            # never received (the fee was not paid): no case to open, no receipt to send
            locked.followed_up_at = timezone.now()
            fields.append("followed_up_at")
        locked.status = ApplicationStatus.WITHDRAWN
        locked.save(update_fields=fields)
        ApplicationEvent.objects.create(
            application=locked,
            kind="withdrawn",
            status=ApplicationStatus.WITHDRAWN,
            actor=actor,
            **event_texts(
                Line(gettext_noop("申請者が取り下げました。（%(reason)s）"), reason=reason.strip()[:500])
                if reason.strip()
                else Line(gettext_noop("申請者が取り下げました。"))
            ),
        )
        audit_record(
            actor=actor,
            action="application.withdrawn",
            target=locked,
            before=before,
            after={"status": locked.status},
        )
        from madoguchi.applications.backoffice import backoffice

        backoffice().case_close_withdrawn(application=locked, actor=actor)
        # payments cancels what is still unpaid (no reminder for a withdrawn application)
        events.emit("application.withdrawn", application=locked, actor=actor)
    return locked
