"""Celery tasks: thin wrappers around services. The application row is the truth
(``followed_up_at``), so a lost or repeated task message is harmless.

Both tasks retry a transient failure (the database or Redis restarting, a dropped connection)
with exponential backoff; what still fails is caught by the next sweep (beat, every 30 s).
"""

from __future__ import annotations

import logging
import random

from celery import shared_task

logger = logging.getLogger(__name__)

MAX_RETRIES = 8  # 1 + 2 + 4 + … capped at 60 s: about five minutes of trying


def retry_countdown(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: 1, 2, 4, … 60, with ±25 % jitter so a
    crowd of failed tasks does not come back at the same instant."""
    base = min(60.0, 2.0**retries)
    return base * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not a secret


def _retry_if_transient(task, exc: Exception):
    from madoguchi.core.errors import is_transient

    if not is_transient(exc) or task.request.is_eager:
        raise exc
    logger.warning("%s: transient failure (%s), retrying", task.name, exc)
    raise task.retry(exc=exc, countdown=retry_countdown(task.request.retries), max_retries=MAX_RETRIES)


@shared_task(bind=True, name="applications.follow_up", ignore_result=True, acks_late=True)
def application_follow_up_task(self, application_id: str) -> bool:
    """Follow up this application, and with it a few others still waiting (one transaction,
    ``APPLICATION_FOLLOW_UP_BATCH`` in all): during a rush the queue drains in batches."""
    import time

    from django.conf import settings

    from madoguchi.applications.services import applications_follow_up_batch, follow_up_task_started
    from madoguchi.notifications.services import notifications_delivered_inline

    follow_up_task_started()
    limit = settings.APPLICATION_FOLLOW_UP_BATCH
    deadline = time.monotonic() + settings.APPLICATION_FOLLOW_UP_TASK_MAX_SECONDS
    done_self = False
    failed: list = []
    # The receipt notice is delivered here, after the follow-up commits, rather than as two
    # more tasks (mailbox, e-mail): fewer round trips through the broker in a deadline rush.
    # Batches (a transaction each) until none wait: submissions whose own task was not queued
    # (application_follow_up_dispatch) count on this.
    try:
        with notifications_delivered_inline():
            result = applications_follow_up_batch(application_id=application_id)
            while True:
                done_self = done_self or any(str(pk) == str(application_id) for pk in result["done"])
                failed += result["failed"]
                if result["claimed"] < limit or time.monotonic() >= deadline:
                    break
                result = applications_follow_up_batch(exclude=failed)
    except Exception as exc:  # noqa: BLE001 - sorted by _retry_if_transient
        _retry_if_transient(self, exc)
        raise
    if result["claimed"] >= limit and not self.request.is_eager:
        self.apply_async(args=[str(application_id)])  # more wait: go on in a new message
    return done_self


@shared_task(bind=True, name="applications.follow_up_sweep", ignore_result=True)
def applications_follow_up_sweep_task(self) -> dict:
    """The beat job: batches until none remain. It stops after ``APPLICATION_FOLLOW_UP_SWEEP_
    MAX_SECONDS`` (shorter than the beat interval) and, when some still wait, queues itself
    again at once rather than waiting for the next beat."""
    from django.conf import settings

    from madoguchi.applications.services import applications_follow_up_sweep
    from madoguchi.notifications.services import notifications_delivered_inline

    try:
        with notifications_delivered_inline():
            result = applications_follow_up_sweep(
                max_seconds=settings.APPLICATION_FOLLOW_UP_SWEEP_MAX_SECONDS
            )
    except Exception as exc:  # noqa: BLE001 - sorted by _retry_if_transient
        _retry_if_transient(self, exc)
        raise
    if result["remaining"] > result.get("failed", 0) and result["done"] and not self.request.is_eager:
        self.apply_async()
    return result
