"""The confirmation notice of a first-come booking, written right after the booking commits.

A booking in an opening rush answers the person as soon as its place is taken: the notice
(outbox row, the review link other apps add, the channels the person chose) is not part of
that request. ``booking_create`` leaves ``Booking.noticed_at`` empty and queues
``reservations.booking_notice`` on commit; the task writes the notice once (the row is locked
and marked in the same transaction, and the outbox's dedupe key holds as a second guard).
If the message is lost (broker down, worker killed), the beat sweeper finds the booking by
its empty ``noticed_at`` (decision 0013's "done marker and sweeper", as for applications).
With a cache every process shares, a burst of bookings queues one task, not one each
(``booking_notice_queue``, ``booking_notices_pending``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from madoguchi.core.cache import cache_add_and_set, cache_is_shared
from madoguchi.reservations import emails
from madoguchi.reservations.constants import ACTIVE
from madoguchi.reservations.models import Booking
from madoguchi.reservations.waiting_room.ending import release_with_hints

logger = logging.getLogger(__name__)

# A booking younger than this is left to its own task by the sweeper.
SWEEP_GRACE = dt.timedelta(seconds=30)


# One task per burst (with a cache every process shares): a booking whose commit finds a
# notice task queued and not yet started queues none — that task, when it starts, clears the
# key and writes every notice still missing, this one included. Publishing a Celery message
# costs more CPU than the rest of the booking's answer after its commit (docs/performance.md).
NOTICE_QUEUED_KEY = "resv:notice:queued"
NOTICE_GATE_SECONDS = 5  # a lost message holds the gate this long at most (the sweeper is behind it)
PENDING_BATCH = 50
PENDING_BUDGET_SECONDS = 10.0


def booking_notice_queue(
    booking: Booking, *, also: Callable[[], Sequence[tuple[str, Any, int]]] | None = None
) -> None:
    """Queue the booking's notice once the current transaction commits (inline when eager).

    ``also``: other cache writes (key, value, timeout) to make after the commit, sent with the
    notice gate in one round trip (``core.cache.cache_add_and_set``; a booking's places-left
    hint). When the cache is down the notice still gets a task of its own, and then the
    error is raised, as those writes would have raised on their own."""

    def queue() -> None:
        from madoguchi.reservations.tasks import booking_notice_task

        writes = also() if also is not None else ()
        if cache_is_shared():
            try:
                # under the waiting room's gate the booking's admission ends with the hints, in
                # one step (waiting_room/ending.py)
                release = release_with_hints()
                gate_taken = cache_add_and_set(
                    NOTICE_QUEUED_KEY, 1, NOTICE_GATE_SECONDS, also=writes, then=release
                )
                if release is not None:
                    release.done()
            except Exception:  # noqa: BLE001 - the cache is down: queue a task of its own
                logger.warning("booking notice gate unavailable; queueing the task for %s", booking.pk)
                booking_notice_task.delay(None)
                if writes:
                    raise
                return
            if gate_taken:  # else the task queued before this commit has not started: it takes this one
                booking_notice_task.delay(None)
            return
        for write in writes:
            cache.set(*write)
        booking_notice_task.delay(str(booking.pk))

    transaction.on_commit(queue)


def booking_notices_pending(
    *, batch: int = PENDING_BATCH, budget_seconds: float = PENDING_BUDGET_SECONDS
) -> int:
    """The task of a burst: clear the gate, then write every missing notice, oldest first, in
    batches until none remain or the budget is spent (then queue the next task). Returns how
    many were written."""
    try:
        cache.delete(NOTICE_QUEUED_KEY)  # bookings committed from now on queue a task again
    except Exception:  # noqa: BLE001 - the key expires by itself
        logger.warning("booking notice gate unavailable")
    written = 0
    started = time.monotonic()
    while True:
        waiting = list(
            Booking.objects.filter(noticed_at__isnull=True)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch]
        )
        now_written = sum(1 for pk in waiting if booking_notice_confirmed(booking_id=pk))
        written += now_written
        if len(waiting) < batch or not now_written:  # none left, or the rest held by another worker
            return written
        if time.monotonic() - started > budget_seconds:
            from madoguchi.reservations.tasks import booking_notice_task

            booking_notice_task.delay(None)  # more remain: a fresh task, so other work gets a turn
            return written


def booking_notice_confirmed(*, booking_id, now: dt.datetime | None = None) -> bool:
    """Write the confirmation notice of a booking that has none yet. True if it was written
    now; False when it already was, the booking is gone, or another worker holds it. A booking
    cancelled before its notice gets none (the cancellation has its own)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("resource__organization", "slot", "user")
            .filter(pk=booking_id, noticed_at__isnull=True)
            .first()
        )
        if booking is None:
            return False
        written = booking.status in ACTIVE and booking.user_id is not None
        if written:
            emails.booking_confirmed(booking)
        booking.noticed_at = now
        booking.save(update_fields=["noticed_at", "updated_at"])
    return written


def booking_notices_sweep(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Write the notices whose task never ran (older than ``SWEEP_GRACE``), at most ``limit``
    bookings per call; returns how many it looked at (the beat job calls it again while that
    is ``limit``)."""
    now = now or timezone.now()
    waiting = list(
        Booking.objects.filter(noticed_at__isnull=True, created_at__lt=now - SWEEP_GRACE)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in waiting:
        booking_notice_confirmed(booking_id=pk)
    return len(waiting)
