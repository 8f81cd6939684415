"""Celery tasks of the data lifecycle: thin wrappers around services."""

from __future__ import annotations

import logging

from celery import shared_task


@shared_task(name="retention.daily", ignore_result=True)
def retention_daily_task() -> None:
    """Beat, once a day: purge what is past its retention (retention/services.py)."""
    from madoguchi.retention.services import retention_run

    report = retention_run()
    logging.getLogger("madoguchi.retention").info("%s", " | ".join(report.lines()))
