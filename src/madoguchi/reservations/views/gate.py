"""The waiting-room gate in front of first-come booking pages, and its light pages.

The gate runs before anything touches the database or the session: a full slot is answered
from a cache flag, a visitor with a valid pass goes through, everyone else asks the token
bucket. The waiting page is small, needs no session and refreshes itself with
``<meta http-equiv="refresh">`` (no JavaScript; allowed by the CSP).
"""

from __future__ import annotations

import time
from functools import wraps

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from madoguchi.reservations import waiting_room
from madoguchi.reservations.selectors import slot_known_full

OUTCOME_HEADER = "X-Reservation-Outcome"


def gate_scope(organization_slug: str, resource_slug: str) -> str:
    return f"{organization_slug}.{resource_slug}"


def public_context(**extra):
    """Context for pages rendered without the session: hide the messages framework, and
    show the menu for everyone (``public_page``: the layout reads no session)."""
    return {"messages": [], "public_page": True, **extra}


def full_page(request, *, resource_name: str = "", detail_url: str = "", status: int = 200):
    response = render(
        request,
        "reservations/full.html",
        public_context(resource_name=resource_name, detail_url=detail_url),
        status=status,
    )
    response[OUTCOME_HEADER] = "full"
    return response


def waiting_page(request, admission: waiting_room.Admission, *, scope: str):
    """The queue page (200), or the "too many places from this address" page (429)."""
    replay = []
    if request.method == "POST":
        replay = [
            (key, value)
            for key in request.POST
            if key != "csrfmiddlewaretoken"
            for value in request.POST.getlist(key)
        ]
    context = public_context(admission=admission, replay=replay, action=request.get_full_path())
    status = 429 if admission.limited else 200
    response = render(request, "reservations/waiting_room.html", context, status=status)
    response["Retry-After"] = str(admission.retry_after)
    if admission.limited:
        response[OUTCOME_HEADER] = f"limited; retry-after={admission.retry_after}"
    else:
        response[OUTCOME_HEADER] = (
            f"queued; position={admission.position}; retry-after={admission.retry_after}"
        )
    patch_cache_control(response, no_store=True, private=True)
    waiting_room.apply_cookies(response, scope, admission)
    return response


def waiting_room_gate(view):
    """Decorate a view taking ``organization_slug``, ``resource_slug`` and ``slot_id``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        org, res, slot_id = kwargs["organization_slug"], kwargs["resource_slug"], kwargs["slot_id"]
        if slot_known_full(slot_id) and request.method == "GET":
            return full_page(request, detail_url=f"/reservations/r/{org}/{res}/")
        scope = gate_scope(org, res)
        admission = waiting_room.check_request(request, scope)
        if not admission.admitted:
            return waiting_page(request, admission, scope=scope)
        started = time.perf_counter()
        response = view(request, *args, **kwargs)
        if request.method == "POST":  # a booking attempt: what the slot can take (adaptive rate)
            waiting_room.observe(scope, time.perf_counter() - started)
        waiting_room.apply_cookies(response, scope, admission)
        return response

    return wrapper
