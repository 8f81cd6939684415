"""Celery tasks: thin wrappers around services. The application row is the truth
(``followed_up_at``), so a lost or repeated task message is harmless."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="applications.follow_up", ignore_result=True, acks_late=True)
def application_follow_up_task(application_id: str) -> bool:
    from madoguchi.applications.services import application_follow_up
    from madoguchi.notifications.services import notifications_delivered_inline

    # The receipt notice is delivered here, after the follow-up commits, rather than as two
    # more tasks (mailbox, e-mail): fewer round trips through the broker in a deadline rush.
    with notifications_delivered_inline():
        return application_follow_up(application_id=application_id)


@shared_task(name="applications.follow_up_sweep", ignore_result=True)
def applications_follow_up_sweep_task() -> dict:
    from madoguchi.applications.services import applications_follow_up_sweep

    return applications_follow_up_sweep()
