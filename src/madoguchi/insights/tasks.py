from __future__ import annotations

from celery import shared_task

from madoguchi.insights.services import figures_refresh_changed


@shared_task(name="insights.refresh_changed", ignore_result=True)
def refresh_changed() -> int:
    """Beat: recompute the KPI figures of the months that changed (docs/kpi.md)."""
    return figures_refresh_changed()
