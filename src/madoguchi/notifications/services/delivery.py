"""The outbox's second half: send the rows ``enqueue.notification_enqueue`` wrote, after commit.

Guarantees (see docs/notifications.md):

* **Nothing sent before commit.** ``notification_enqueue`` only inserts rows and registers
  ``transaction.on_commit`` to hand their ids to Celery. A rolled-back event sends nothing.
* **Nothing lost.** The row is the truth, the broker message only a wake-up call. If the
  process dies between commit and enqueue, the broker is down, or a worker is killed while
  sending, ``notifications_sweep`` (Celery beat, or ``madoguchi notifications sweep``)
  re-dispatches rows that are due and rows whose sending lease expired.
* **Never twice for the same (organization, recipient, channel, event, dedupe key).** A unique constraint
  makes enqueueing idempotent, and a worker must *claim* a row with an atomic
  ``UPDATE … WHERE status='queued'`` before sending, so two workers (or a retried task)
  can never both send the same row. The only remaining window is a crash after the
  provider accepted the message and before the row is marked sent; the resend then
  carries the same Message-ID / X-Line-Retry-Key / X-Madoguchi-Delivery, so receivers can
  drop it (LINE does so itself).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.notifications.channels import DeliveryError, OutgoingMessage, get_channel
from madoguchi.notifications.constants import NotificationStatus
from madoguchi.notifications.models import Notification

logger = logging.getLogger(__name__)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


_inline = threading.local()


@contextmanager
def notifications_delivered_inline() -> Iterator[None]:
    """For a worker task that enqueues notices: deliver the ones its transactions commit right
    there, in this process, instead of as one more task each (a broker round trip and a task's
    overhead per notice). The rows are the same outbox rows, claimed the same way, so a crash
    mid-way leaves them to the sweeper; a failed attempt is retried as a task as usual."""
    previous = getattr(_inline, "on", False)
    _inline.on = True
    try:
        yield
    finally:
        _inline.on = previous


def notifications_dispatch(ids: Iterable[Any], *, countdown: float | None = None) -> int:
    """Hand notification ids to Celery. A broker failure only logs: the sweeper retries."""
    from madoguchi.notifications.tasks import notification_send

    if getattr(_inline, "on", False) and not countdown:
        ids = list(ids)
        try:
            notifications_deliver_ids(ids)
        except Exception:  # noqa: BLE001 - e.g. the database went away; the sweeper retries
            logger.exception("could not deliver notifications %s; the sweeper will retry", ids)
            return 0
        return len(ids)

    sent = 0
    for notification_id in ids:
        try:
            if countdown:
                notification_send.apply_async(args=[str(notification_id)], countdown=countdown)
            else:
                notification_send.apply_async(args=[str(notification_id)])
            sent += 1
        except Exception:  # noqa: BLE001 - broker down, or an eager send that blew up
            logger.exception("could not dispatch notification %s; the sweeper will retry", notification_id)
    return sent


def _backoff(attempts: int) -> timedelta:
    base = float(_setting("NOTIFICATION_RETRY_BASE_SECONDS", 30))
    cap = float(_setting("NOTIFICATION_RETRY_MAX_SECONDS", 3600))
    return timedelta(seconds=min(cap, base * (2 ** max(0, attempts - 1))))


def _message(row: Notification) -> OutgoingMessage:
    return OutgoingMessage(
        id=str(row.pk),
        kind=row.channel,
        event=row.event,
        address=row.address,
        subject=row.subject,
        body=row.body,
        language=row.language,
        recipient_key=row.recipient_key,
        recipient_id=row.recipient_id,
        organization_id=row.organization_id,
        organization_slug=(
            getattr(row, "_organization_slug", None)
            if hasattr(row, "_organization_slug")
            else (row.organization.slug if row.organization_id else "")
        )
        or "",
        payload=row.payload,
        created_at=row.created_at.isoformat(),
    )


def _claim(
    *,
    notification_id: Any = None,
    limit: int = 1,
    now: dt.datetime,
    token: uuid.UUID,
    ids: list[Any] | None = None,
) -> list[Notification]:
    """Claim queued, due rows for sending in one statement: ``UPDATE … WHERE id IN (SELECT …
    FOR UPDATE SKIP LOCKED) RETURNING *`` — ``notification_id`` when given and claimable, then
    (``limit`` > 1) the oldest other due rows; or (``ids``) those of ``ids`` that are claimable.
    A row another worker holds is skipped, never waited for; only one claim can win a row.
    Returns the claimed rows as model instances."""
    from django.db import connection

    from madoguchi.core.hotpath import cursor as kept_cursor
    from madoguchi.core.hotpath import model_columns

    table = Notification._meta.db_table
    quote = connection.ops.quote_name
    columns = model_columns(Notification, connection, table)

    def prep(name: str, value: Any) -> Any:
        model_field = Notification._meta.get_field(name)
        assert isinstance(model_field, models.Field)
        return model_field.get_db_prep_value(model_field.to_python(value), connection)

    status_col, next_col, id_col = quote("status"), quote("next_attempt_at"), quote("id")
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    first: list[Any] = []
    if notification_id is not None:
        try:
            first = [prep("id", notification_id)]
        except Exception:  # noqa: BLE001 - not a notification id: nothing to claim by id
            if limit <= 1:
                return []
    when = prep("next_attempt_at", now)
    lease = prep("lease_until", now + timedelta(seconds=float(_setting("NOTIFICATION_LEASE_SECONDS", 30))))
    if ids is not None:
        wanted_ids = [prep("id", pk) for pk in ids]
        if not wanted_ids:
            return []
        marks = ", ".join(["%s"] * len(wanted_ids))
        pick = (
            f"SELECT {id_col} FROM {quote(table)} WHERE {id_col} IN ({marks}) AND {status_col} = %s "
            f"AND {next_col} <= %s{lock}"
        )
        pick_params: list[Any] = [*wanted_ids, NotificationStatus.QUEUED, when]
    elif first and limit <= 1:
        pick = f"SELECT {id_col} FROM {quote(table)} WHERE {id_col} = %s AND {status_col} = %s AND {next_col} <= %s{lock}"
        pick_params = [first[0], NotificationStatus.QUEUED, when]
    else:
        order = f"CASE WHEN {id_col} = %s THEN 0 ELSE 1 END, " if first else ""
        pick = (
            f"SELECT {id_col} FROM {quote(table)} WHERE {status_col} = %s AND {next_col} <= %s "
            f"ORDER BY {order}{next_col} LIMIT %s{lock}"
        )
        pick_params = [NotificationStatus.QUEUED, when, *first, limit]
    token_value = prep("claim_token", token)
    org_table = Organization._meta.db_table
    returning = ", ".join(f"{quote(table)}.{quote(str(f.column))}" for f in columns.fields) + (
        f", (SELECT o.{quote('slug')} FROM {quote(org_table)} o WHERE o.{id_col} = "
        f"{quote(table)}.{quote('organization_id')})"
    )
    assignments = (
        f"{status_col} = %s, {quote('claim_token')} = %s, {quote('lease_until')} = %s, "
        f"{quote('attempts')} = {quote('attempts')} + 1"
    )
    if lock:
        # PostgreSQL: the picked ids in a materialized CTE — as an IN (subquery) the planner may
        # run the LIMIT … SKIP LOCKED subquery more than once and claim more rows than asked
        sql = (
            f"WITH picked AS MATERIALIZED ({pick}) UPDATE {quote(table)} SET {assignments} "
            f"FROM picked WHERE {quote(table)}.{id_col} = picked.{id_col} AND {quote(table)}.{status_col} = %s "
            f"RETURNING {returning}"
        )
        params = [*pick_params, NotificationStatus.SENDING, token_value, lease, NotificationStatus.QUEUED]
    else:
        sql = (
            f"UPDATE {quote(table)} SET {assignments} WHERE {id_col} IN ({pick}) AND {status_col} = %s "
            f"RETURNING {returning}"
        )
        params = [NotificationStatus.SENDING, token_value, lease, *pick_params, NotificationStatus.QUEUED]
    cursor = kept_cursor(connection)
    cursor.execute(sql, params)
    rows: list[Notification] = []
    for values in cursor.fetchall():
        row = columns.instance(values[:-1], connection)
        assert isinstance(row, Notification)
        row._organization_slug = values[-1] or ""  # type: ignore[attr-defined]
        rows.append(row)
    # RETURNING keeps no order: the asked-for row first, then the longest due
    wanted = str(notification_id) if notification_id is not None else None
    rows.sort(key=lambda r: (str(r.pk) != wanted and r.pk.hex != wanted, r.next_attempt_at, str(r.pk)))
    return rows


class _Lease:
    """A claim's lease, kept while its rows are sent: before each send, once half of it has
    passed, the rows still claimed with the token get a fresh one (one UPDATE). So the lease is
    short — a worker killed mid-batch gives its rows back to the sweeper after
    ``NOTIFICATION_LEASE_SECONDS`` (30 s; was 120 s before batches) — and a live worker with a
    long batch never loses its claim: each send starts with at least half a lease left, and
    half a lease is more than the send timeout (``NOTIFICATION_SEND_TIMEOUT``)."""

    def __init__(self, token: uuid.UUID) -> None:
        self.token = token
        self.seconds = float(_setting("NOTIFICATION_LEASE_SECONDS", 30))
        self.renew_at = time.monotonic() + self.seconds / 2

    def keep(self) -> None:
        if time.monotonic() < self.renew_at:
            return
        Notification.objects.filter(claim_token=self.token, status=NotificationStatus.SENDING).update(
            lease_until=timezone.now() + timedelta(seconds=self.seconds)
        )
        self.renew_at = time.monotonic() + self.seconds / 2


def notification_deliver(*, notification_id: uuid.UUID | str, now: dt.datetime | None = None) -> str:
    """Claim one queued notification and send it once. Returns the resulting status.

    The claim is an atomic conditional UPDATE, so only one worker ever sends a row; the
    lease lets the sweeper take the row back if this worker dies mid-send.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = _claim(notification_id=notification_id, now=now, token=token)
    if not claimed:
        return "skipped"
    return _send_claimed(claimed[0], token)


def notifications_deliver_batch(
    *, notification_id: Any = None, limit: int | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """A worker's share of the queue: claim ``notification_id`` (when still queued) and up to
    ``NOTIFICATION_CLAIM_BATCH`` − 1 other due rows in one statement, then send each over the
    worker's kept-open channel connections and mark it sent (one statement each, so a crash
    leaves at most the one row in flight to the lease, as before). The tasks of the other rows
    then find nothing to claim. Returns the count per resulting status."""
    now = now or timezone.now()
    token = uuid.uuid4()
    limit = int(limit if limit is not None else _setting("NOTIFICATION_CLAIM_BATCH", 50))
    results: dict[str, int] = {}
    lease = _Lease(token)
    for row in _claim(notification_id=notification_id, limit=max(1, limit), now=now, token=token):
        lease.keep()
        status = _send_claimed(row, token)
        results[status] = results.get(status, 0) + 1
    return results


def notifications_deliver_ids(ids: list[Any], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Deliver these rows now, in this process (a worker task that has just committed them),
    ``NOTIFICATION_CLAIM_BATCH`` at a time: one statement claims those still queued; the
    mailbox's go into it in one INSERT and are marked sent in the same transaction; the others
    are sent one by one and each marked sent right after (a crash leaves at most the one in
    flight to the lease, as before). Returns the count per resulting status."""
    now = now or timezone.now()
    results: dict[str, int] = {}
    # claimed no more at a time than a worker's batch: each claim's rows must be sent within
    # the lease, or the sweeper would hand them to another worker
    size = max(1, int(_setting("NOTIFICATION_CLAIM_BATCH", 50)))
    for start in range(0, len(ids), size):
        token = uuid.uuid4()
        lease = _Lease(token)
        together: dict[str, list[Notification]] = {}
        for row in _claim(ids=ids[start : start + size], now=now, token=token):
            if get_channel(row.channel).writes_in_transaction:
                together.setdefault(row.channel, []).append(row)
                continue
            lease.keep()
            status = _send_claimed(row, token)
            results[status] = results.get(status, 0) + 1
        for kind, rows in together.items():
            lease.keep()
            for status in _send_claimed_together(kind, rows, token):
                results[status] = results.get(status, 0) + 1
    return results


def _send_claimed_together(kind: str, rows: list[Notification], token: uuid.UUID) -> list[str]:
    """Rows of a channel that writes in our database: delivered and marked sent in one
    transaction. Should that fail, each row is tried on its own (and retried as usual)."""
    try:
        with transaction.atomic():
            get_channel(kind).send_many([_message(row) for row in rows])
            marked = notifications_mark_sent([row.pk for row in rows], token)
            if marked != len(rows):  # a lease expired meanwhile: another worker may own some
                raise _NotAllMarked
    except Exception as exc:  # noqa: BLE001 - rolled back; one at a time below
        if not isinstance(exc, _NotAllMarked):
            logger.exception("channel %s could not deliver %s notifications together", kind, len(rows))
        return [_send_claimed(row, token) for row in rows]
    return [NotificationStatus.SENT] * len(rows)


class _NotAllMarked(Exception):
    pass


def notifications_mark_sent(ids: list[Any], token: uuid.UUID) -> int:
    """Mark these rows sent — those still claimed with ``token`` — in one statement written out
    once per process (core/hotpath, decision 0029): every delivered e-mail is marked on its own
    right after it is sent (the at-least-once window stays one message wide), and the ORM built
    that UPDATE for ≈0.3 ms of CPU each time. Returns how many rows were marked. The same as
    ``Notification.objects.filter(pk__in=ids, claim_token=token, status=SENDING).update(
    status=SENT, sent_at=now, lease_until=None, claim_token=None, last_error="")``
    (``tests/test_outbox_marks.py``)."""
    if not ids:
        return 0
    from madoguchi.core.hotpath import cursor as kept_cursor

    connection = transaction.get_connection()
    sql = _mark_sent_sql(connection, len(ids))
    fields = Notification._meta
    sent_at, pk, claim_token = fields.get_field("sent_at"), fields.pk, fields.get_field("claim_token")
    assert isinstance(sent_at, models.Field) and isinstance(claim_token, models.Field) and pk is not None
    params = [
        NotificationStatus.SENT,
        sent_at.get_db_prep_value(timezone.now(), connection),
        *(pk.get_db_prep_value(pk.to_python(value), connection) for value in ids),
        claim_token.get_db_prep_value(claim_token.to_python(token), connection),
        NotificationStatus.SENDING,
    ]
    cursor = kept_cursor(connection)
    cursor.execute(sql, params)
    return cursor.rowcount


_MARK_SENT_SQL: dict[tuple[str, int], str] = {}


def _mark_sent_sql(connection: Any, count: int) -> str:
    """The UPDATE of ``notifications_mark_sent`` for ``count`` ids, made once per process."""
    key = (connection.vendor, count)
    sql = _MARK_SENT_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        id_col = quote("id")
        which = f"{id_col} = %s" if count == 1 else f"{id_col} IN ({', '.join(['%s'] * count)})"
        sql = _MARK_SENT_SQL[key] = (
            f"UPDATE {quote(Notification._meta.db_table)} SET {quote('status')} = %s, "
            f"{quote('sent_at')} = %s, {quote('lease_until')} = NULL, {quote('claim_token')} = NULL, "
            f"{quote('last_error')} = '' WHERE {which} AND {quote('claim_token')} = %s "
            f"AND {quote('status')} = %s"
        )
    return sql


def _send_claimed(row: Notification, token: uuid.UUID) -> str:
    try:
        get_channel(row.channel).send(_message(row))
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row
        # the row while still ours (built only here: a queryset per sent message cost ≈ 3 % of
        # a worker's CPU per application)
        mine = Notification.objects.filter(pk=row.pk, claim_token=token, status=NotificationStatus.SENDING)
        permanent = isinstance(exc, DeliveryError) and exc.permanent
        if not isinstance(exc, DeliveryError):
            logger.exception("channel %s crashed on notification %s", row.channel, row.pk)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        max_attempts = int(_setting("NOTIFICATION_MAX_ATTEMPTS", 6))
        if permanent or row.attempts >= max_attempts:
            mine.update(
                status=NotificationStatus.FAILED,
                failed_at=timezone.now(),
                last_error=error,
                lease_until=None,
                claim_token=None,
            )
            return NotificationStatus.FAILED
        delay = _backoff(row.attempts)
        mine.update(
            status=NotificationStatus.QUEUED,
            next_attempt_at=timezone.now() + delay,
            last_error=error,
            lease_until=None,
            claim_token=None,
        )
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            # In eager mode (demo) a retry would run at once; the sweeper sends it when due.
            transaction.on_commit(lambda: notifications_dispatch([row.pk], countdown=delay.total_seconds()))
        return NotificationStatus.QUEUED
    updated = notifications_mark_sent([row.pk], token)
    if not updated:
        logger.warning("notification %s was sent after its lease had expired", row.pk)
    return NotificationStatus.SENT


def notifications_sweep(
    *, now: dt.datetime | None = None, grace_seconds: float | None = None, limit: int = 5000
) -> dict[str, int]:
    """Recover what a crash could have stranded, and hand due rows to the workers.

    * rows in ``sending`` whose lease expired (the worker died) go back to ``queued``;
    * ``queued`` rows that have been due for longer than the grace period and were not
      dispatched recently (lost broker message, crash between commit and enqueue, a retry
      that is due) are dispatched again. Dispatching twice is harmless: only one claim wins.
    """
    now = now or timezone.now()
    grace = timedelta(
        seconds=float(
            _setting("NOTIFICATION_REDISPATCH_SECONDS", 60) if grace_seconds is None else grace_seconds
        )
    )
    expired = Notification.objects.filter(status=NotificationStatus.SENDING, lease_until__lt=now).update(
        status=NotificationStatus.QUEUED, claim_token=None, lease_until=None
    )
    cutoff = now - grace
    due = list(
        Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=cutoff)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=cutoff))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if due:
        Notification.objects.filter(pk__in=due).update(dispatched_at=now)
        notifications_dispatch(due)
    from madoguchi.notifications.services.push import push_campaigns_resume_stalled

    resumed = push_campaigns_resume_stalled(now=now)
    return {"lease_expired": expired, "redispatched": len(due), "campaigns_resumed": resumed}


def notification_resend(*, notification: Notification, actor: User) -> Notification:
    """Staff: send a notification that failed after its last retry once more."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification.pk)
        if row.status != NotificationStatus.FAILED:
            raise DomainError(_("送信に失敗した通知だけを再送できます。"), code="not_failed")
        now = timezone.now()
        row.status = NotificationStatus.QUEUED
        row.attempts = 0
        row.next_attempt_at = now
        row.failed_at = None
        row.save(update_fields=["status", "attempts", "next_attempt_at", "failed_at"])
        audit_record(
            actor=actor,
            action="notification.resend",
            target=row,
            before={"status": NotificationStatus.FAILED, "last_error": row.last_error},
            after={"status": row.status},
        )
        transaction.on_commit(lambda: notifications_dispatch([row.pk]))
    return row


def notifications_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Data retention: delete delivery records (not mailbox messages) past their retention."""
    from madoguchi.notifications.models import DevOutboxMessage

    now = now or timezone.now()
    days = int(_setting("NOTIFICATION_RETENTION_DAYS", 400))
    old = now - timedelta(days=days)
    sent, _detail = Notification.objects.filter(status=NotificationStatus.SENT, sent_at__lt=old).delete()
    dev, _detail = DevOutboxMessage.objects.filter(created_at__lt=now - timedelta(days=30)).delete()
    return {"notifications_deleted": sent, "dev_messages_deleted": dev}
