"""Celery tasks. Each is a thin wrapper around a service; the database row is the truth,
so a lost or repeated task message is harmless (see services/delivery.py)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="notifications.send", ignore_result=True, acks_late=True)
def notification_send(notification_id: str) -> str:
    """Send this notification — and, in a worker, up to NOTIFICATION_CLAIM_BATCH − 1 other due
    ones claimed in the same statement (their own tasks then find nothing left to do). Run
    eagerly (the embedded demo, inside a request) it sends its own row only."""
    from madoguchi.notifications.services import notification_deliver, notifications_deliver_batch

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return notification_deliver(notification_id=notification_id)
    results = notifications_deliver_batch(notification_id=notification_id)
    return ",".join(f"{status}:{count}" for status, count in sorted(results.items())) or "skipped"


@shared_task(name="notifications.sweep", ignore_result=True)
def notifications_sweep_task() -> dict:
    from madoguchi.notifications.services import notifications_sweep

    return notifications_sweep()


@shared_task(name="notifications.purge", ignore_result=True)
def notifications_purge_task() -> dict:
    from madoguchi.notifications.services import notifications_purge

    return notifications_purge()


@shared_task(name="notifications.push_step", ignore_result=True, acks_late=True)
def push_campaign_step_task(campaign_id: str) -> None:
    from madoguchi.notifications.services import push_campaign_step
    from madoguchi.notifications.services.push import push_campaign_enqueue

    delay = push_campaign_step(campaign_id=campaign_id)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Embedded demo: no broker to wait on, so send the remaining chunks now.
        while delay is not None:
            delay = push_campaign_step(campaign_id=campaign_id)
    elif delay is not None:
        push_campaign_enqueue(campaign_id, countdown=delay)


@shared_task(name="notifications.batch_process", ignore_result=True, acks_late=True)
def delivery_batch_process_task(batch_id: str) -> None:
    from madoguchi.notifications.services import delivery_batch_process

    delivery_batch_process(batch_id=batch_id)
