"""Periodic work: reminders and expiry of unconfirmed lottery places (beat entries in settings;
management commands run the same functions where no beat runs)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="reservations.send_due_reminders")
def send_due_reminders() -> int:
    from madoguchi.reservations.services import booking_reminders_send

    return booking_reminders_send()


@shared_task(name="reservations.expire_lottery_offers")
def expire_lottery_offers() -> int:
    from madoguchi.reservations.services import lottery_expire_offers

    return lottery_expire_offers()
