"""Pages that are the same for everyone: cacheable by a CDN (Cache-Control: public).

They never touch the session or CSRF (no ``Vary: Cookie``, no ``Set-Cookie``), so a
shared cache can absorb an opening rush on them.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from madoguchi.reservations import selectors
from madoguchi.reservations.views.gate import public_context

LIST_MAX_AGE = 300
AVAILABILITY_MAX_AGE = 10
PERIOD_DAYS = 14


def _public(response, max_age: int):
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def resource_list(request):
    resources = selectors.resource_list()
    return _public(
        render(request, "reservations/resource_list.html", public_context(resources=resources)), LIST_MAX_AGE
    )


def resource_detail(request, organization_slug: str, resource_slug: str):
    resource = selectors.access_resource(organization_slug=organization_slug, resource_slug=resource_slug)
    now = timezone.now()
    today = timezone.localdate()
    try:
        start = max(today, dt.date.fromisoformat(request.GET.get("from", "")))
    except ValueError:
        start = today
    start = min(start, today + dt.timedelta(days=366))
    days = selectors.resource_calendar(resource=resource, now=now, start=start, days=PERIOD_DAYS)
    context = public_context(
        resource=resource,
        days=days,
        states={item["state"] for day in days for item in day["slots"]} - {"open"},
        period_start=start,
        period_end=start + dt.timedelta(days=PERIOD_DAYS - 1),
        previous_start=start - dt.timedelta(days=PERIOD_DAYS) if start > today else None,
        next_start=start + dt.timedelta(days=PERIOD_DAYS),
        lotteries=selectors.lottery_open_list(resource=resource),
        generated_at=now,
        max_age=AVAILABILITY_MAX_AGE,
    )
    return _public(render(request, "reservations/resource_detail.html", context), AVAILABILITY_MAX_AGE)


def lottery_detail(request, lottery_id: int):
    lottery = selectors.access_lottery(lottery_id=lottery_id)
    now = timezone.now()
    context = public_context(
        lottery=lottery,
        resource=lottery.resource,
        summary=selectors.lottery_summary(lottery),
        now=now,
        is_open=lottery.status == "open" and lottery.entries_open_at <= now < lottery.entries_close_at,
    )
    return _public(render(request, "reservations/lottery_detail.html", context), AVAILABILITY_MAX_AGE)
