"""Celery tasks: thin wrappers. The rows (Upload, Job) are the truth, so a repeated task is harmless."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="ledger.process_upload", ignore_result=True, acks_late=True)
def process_upload(upload_id: int) -> str:
    from madoguchi.ledger.services.uploads import upload_process

    return upload_process(upload_id=upload_id)


@shared_task(name="ledger.purge_archived", ignore_result=True)
def purge_archived() -> int:
    from madoguchi.ledger.services.retention import ledger_purge_archived

    return ledger_purge_archived()


@shared_task(name="ledger.run_matching", ignore_result=True, acks_late=True)
def run_matching(job_id: int) -> dict:
    from madoguchi.ledger.services.matching import matching_process

    return matching_process(job_id=job_id)


@shared_task(name="ledger.sync_applications", ignore_result=True)
def sync_applications() -> int:
    """Beat: bring every open event's 罹災証明書 feeds up to date."""
    from madoguchi.ledger.constants import EventStatus
    from madoguchi.ledger.models import DisasterEvent
    from madoguchi.ledger.services.feeds import feeds_sync

    count = 0
    for event in DisasterEvent.objects.filter(
        status__in=[EventStatus.OPEN, EventStatus.CLOSED], feeds__isnull=False
    ).distinct():
        count += len(feeds_sync(event=event))
    return count
