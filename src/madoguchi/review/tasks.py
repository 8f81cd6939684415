"""Celery tasks of the back office (beat, once a day): thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="review.deadline_reminders", ignore_result=True)
def deadline_reminders_task() -> dict:
    from madoguchi.review.services.reminders import deadline_reminders_send

    return deadline_reminders_send()


@shared_task(name="review.staff_digest", ignore_result=True)
def staff_digest_task() -> dict:
    from madoguchi.review.services.reminders import staff_digests_send

    return staff_digests_send()


@shared_task(name="review.ticket_issue", ignore_result=True, acks_late=True)
def ticket_issue_task(ticket_id: str) -> None:
    """Issue a 受験票 after the payment that completed it was committed (safe to run twice)."""
    from madoguchi.review.services.tickets import ticket_issue_pending

    ticket_issue_pending(ticket_id=ticket_id)


@shared_task(name="review.tickets_sweep", ignore_result=True)
def tickets_sweep_task() -> int:
    from madoguchi.review.services.tickets import tickets_sweep

    return tickets_sweep()
