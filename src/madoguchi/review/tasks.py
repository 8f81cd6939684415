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
