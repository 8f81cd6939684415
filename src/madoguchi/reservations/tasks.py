"""Periodic work: reminders and expiry of unconfirmed lottery places (beat entries in settings;
management commands run the same functions where no beat runs)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="reservations.booking_notice", ignore_result=True, acks_late=True)
def booking_notice_task(self, booking_id: str | None = None) -> bool | int:
    """The confirmation notice of one first-come booking — or, without ``booking_id``, every
    notice still missing (one task per burst; services/notices.py); transient database
    failures are retried with backoff, the sweeper catches the rest."""
    import random

    from madoguchi.core.errors import is_transient
    from madoguchi.reservations.services import booking_notice_confirmed, booking_notices_pending

    try:
        if booking_id is None:
            return booking_notices_pending()
        return booking_notice_confirmed(booking_id=booking_id)
    except Exception as exc:
        if not is_transient(exc) or self.request.is_eager:
            raise
        logger.warning("reservations.booking_notice: transient failure (%s), retrying", exc)
        countdown = min(60.0, 2.0**self.request.retries) * random.uniform(0.75, 1.25)  # noqa: S311 - jitter
        raise self.retry(exc=exc, countdown=countdown, max_retries=8) from exc


@shared_task(name="reservations.sweep_booking_notices", ignore_result=True)
def sweep_booking_notices() -> int:
    """Beat: the notices whose task was lost, in batches until none remain."""
    from madoguchi.reservations.services import booking_notices_sweep

    total = 0
    for _round in range(20):  # bounded: rows another worker holds are seen again
        handled = booking_notices_sweep(limit=500)
        total += handled
        if handled < 500:
            break
    return total


@shared_task(name="reservations.send_due_reminders")
def send_due_reminders() -> int:
    from madoguchi.reservations.services import booking_reminders_send

    return booking_reminders_send()


@shared_task(name="reservations.expire_lottery_offers")
def expire_lottery_offers() -> int:
    from madoguchi.reservations.services import lottery_expire_offers

    return lottery_expire_offers()
