from __future__ import annotations

from celery import shared_task

from madoguchi.opendata.services import datasets_publish


@shared_task(name="opendata.publish", ignore_result=True)
def publish() -> int:
    """Beat: rebuild the automatic datasets from the KPI aggregates (docs/opendata.md)."""
    return datasets_publish()
