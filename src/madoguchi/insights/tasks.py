from __future__ import annotations

import datetime as dt

from celery import shared_task

from madoguchi.insights.services import figures_refresh_changed, figures_refresh_month


@shared_task(name="insights.refresh_changed", ignore_result=True)
def refresh_changed() -> int:
    """Beat: recompute the KPI figures of the months that changed (docs/kpi.md)."""
    return figures_refresh_changed()


@shared_task(name="insights.refresh_month", ignore_result=True)
def refresh_month(organization_id: int, month: str) -> int:
    """Soon after an event (insights/hooks.py): recompute one organization's month."""
    from madoguchi.accounts.models import Organization

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return figures_refresh_month(organization=organization, month=dt.date.fromisoformat(month))
