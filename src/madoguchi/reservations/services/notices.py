"""The confirmation notice of a first-come booking, written right after the booking commits.

A booking in an opening rush answers the person as soon as its place is taken: the notice
(outbox row, the review link other apps add, the channels the person chose) is not part of
that request. ``booking_create`` leaves ``Booking.noticed_at`` empty and queues
``reservations.booking_notice`` on commit; the task writes the notice once (the row is locked
and marked in the same transaction, and the outbox's dedupe key holds as a second guard).
If the message is lost (broker down, worker killed), the beat sweeper finds the booking by
its empty ``noticed_at`` (decision 0013's "done marker and sweeper", as for applications).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from madoguchi.reservations import emails
from madoguchi.reservations.constants import ACTIVE
from madoguchi.reservations.models import Booking

# A booking younger than this is left to its own task by the sweeper.
SWEEP_GRACE = dt.timedelta(seconds=30)


def booking_notice_queue(booking: Booking) -> None:
    """Queue the booking's notice once the current transaction commits (inline when eager)."""

    def queue() -> None:
        from madoguchi.reservations.tasks import booking_notice_task

        booking_notice_task.delay(str(booking.pk))

    transaction.on_commit(queue)


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
