"""The dashboards' reactions to other apps' events (registered in ``InsightsConfig.ready``).

The beat task (``insights.refresh_changed``, every ``INSIGHTS_REFRESH_SECONDS``) picks up every
change. On top of that, an application submitted, withdrawn or decided, a booking confirmed or
a fee paid asks for its organization's current month to be recomputed soon: after commit, at
most one refresh per organization is queued per ``INSIGHTS_EVENT_REFRESH_SECONDS`` (a cache
key taken with ``add``, so a rush of submissions queues one task, not thousands), delayed by
that many seconds so the rush is counted in one go. 0 turns it off (the beat still runs).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from madoguchi.core import events

EVENTS = (
    "application.submitted",
    "application.withdrawn",
    "case.deciding",
    "booking.confirmed",
    "payment.completed",
)


def _organization_id(payload: dict[str, Any]) -> int | None:
    for name in ("application", "case", "booking", "payment"):
        found = payload.get(name)
        if found is None:
            continue
        organization_id = getattr(found, "organization_id", None)
        if organization_id is None and name == "booking":
            organization_id = getattr(getattr(found, "resource", None), "organization_id", None)
        if organization_id is not None:
            return int(organization_id)
    return None


# Windows this process knows to be taken: cache key → when the key expires (time.time()).
# ``cache.add`` of such a key can only answer False, so it is not asked: one round trip to
# Redis less per submission (docs/performance.md, "Web tier"). Known from this process's own
# add, or read from the key — its value is the moment it expires — after another process's add
# won; then less a margin for the servers' clocks. Should Redis lose the key early (a restart),
# this process queues nothing more for the rest of the window: the beat counts it anyway.
_TAKEN: dict[str, float] = {}
_CLOCK_MARGIN_SECONDS = 1.0


def _remember(key: str, until: float) -> None:
    if len(_TAKEN) > 1000:
        now = time.time()
        for stale in [k for k, expires in _TAKEN.items() if expires <= now]:
            _TAKEN.pop(stale, None)
    _TAKEN[key] = until


def figures_refresh_soon(**payload: Any) -> bool:
    """Queue a refresh of the organization's current month after commit, unless one is queued
    already within the window. Returns whether this call queued it."""
    delay = int(getattr(settings, "INSIGHTS_EVENT_REFRESH_SECONDS", 0))
    if delay <= 0:
        return False
    organization_id = _organization_id(payload)
    if organization_id is None:
        return False
    month = timezone.localdate().replace(day=1)
    key = f"insights:soon:{organization_id}:{month.isoformat()}"
    now = time.time()
    if _TAKEN.get(key, 0.0) > now:
        return False
    until = now + delay
    if not cache.add(key, until, timeout=delay):
        held = cache.get(key)
        if isinstance(held, float):
            _remember(key, held - _CLOCK_MARGIN_SECONDS)
        return False
    _remember(key, until)

    def queue() -> None:
        from madoguchi.insights.tasks import refresh_month

        refresh_month.apply_async(args=[organization_id, month.isoformat()], countdown=delay)

    transaction.on_commit(queue)
    return True


def register() -> None:
    for name in EVENTS:
        events.subscribe(name, figures_refresh_soon)
