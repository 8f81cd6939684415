"""Small helpers shared by this app's tests (test data itself comes from core.testing)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from madoguchi.notifications.constants import NotificationStatus
from madoguchi.notifications.models import Notification
from madoguchi.notifications.services import notification_deliver


def deliver_all(*, later_seconds: float = 0) -> list[str]:
    """Run the worker's job for every queued row (as if the Celery tasks arrived)."""
    now = timezone.now() + timedelta(seconds=later_seconds)
    ids = Notification.objects.filter(status=NotificationStatus.QUEUED).values_list("pk", flat=True)
    return [notification_deliver(notification_id=pk, now=now) for pk in list(ids)]
