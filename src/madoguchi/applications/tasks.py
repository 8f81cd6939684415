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
def application_follow_up_task(self, application_id: str, queued_at: float | None = None) -> bool:
    """Follow up this application, and with it the others still waiting, in batches (a
    transaction each) until none wait — paced, growing, and skipped when a claim of this worker
    process that began after ``queued_at`` took everything waiting
    (``services/follow_up_run.py``). During a rush the queue drains in batches."""
    import time

    from django.conf import settings

    from madoguchi.applications.services import (
        applications_follow_up_run,
        follow_up_is_covered,
        follow_up_task_started,
    )
    from madoguchi.notifications.services import notifications_delivered_inline

    gated = follow_up_task_started()
    eager = bool(self.request.is_eager)
    # Only where every submission queues its own task: with the gate, this task also stands for
    # the submissions that queued none while it waited, which an earlier claim could not see.
    if not eager and not gated and follow_up_is_covered(queued_at):
        return False  # taken by a batch of this process that began after this message was queued
    deadline = time.monotonic() + settings.APPLICATION_FOLLOW_UP_TASK_MAX_SECONDS
    # The receipt notice is delivered here, after the follow-up commits, rather than as two
    # more tasks (mailbox, e-mail): fewer round trips through the broker in a deadline rush.
    # Batches until none wait: submissions whose own task was not queued
    # (application_follow_up_dispatch) count on this.
    try:
        with notifications_delivered_inline():
            result = applications_follow_up_run(
                application_id=application_id, deadline=deadline, paced=not eager
            )
    except Exception as exc:  # noqa: BLE001 - sorted by _retry_if_transient
        _retry_if_transient(self, exc)
        raise
    if result["more"] and not eager:
        self.apply_async(args=[str(application_id)])  # more wait: go on in a new message
    return result["done_self"]


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
