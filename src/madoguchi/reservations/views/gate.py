"""The waiting-room gate in front of first-come booking pages, and its light pages.

The gate runs before anything touches the database or the session: a full slot is answered
from a cache flag, a visitor with a valid pass goes through, everyone else asks the token
bucket (which reads the flag and the slot's places left with the admission: one Redis round
trip). The waiting page is small and needs no session; it asks the person to reload it after
the suggested time, and with JavaScript reloads itself then, saying so, with a button that stops
it (``static/reservations/js/waiting_room.js``: no ``<meta http-equiv="refresh">``, a time limit
the person could not stop, WCAG 2.2.1).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import wraps

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.translation import get_language

from madoguchi.core.headers import put_header
from madoguchi.reservations import waiting_room
from madoguchi.reservations.selectors import full_flag_key, places_hint_key, slot_places_read
from madoguchi.reservations.waiting_room.ending import booking_ends_admission

OUTCOME_HEADER = "X-Reservation-Outcome"
NO_STORE = "no-store, private"  # what patch_cache_control(no_store=True, private=True) writes


def gate_scope(organization_slug: str, resource_slug: str) -> str:
    return f"{organization_slug}.{resource_slug}"


def public_context(**extra):
    """Context for pages rendered without the session: hide the messages framework, and
    show the menu for everyone (``public_page``: the layout reads no session)."""
    return {"messages": [], "public_page": True, **extra}


# The crowd's pages (queue, full) are the same for every visitor but for two numbers, so each
# process renders them once per language and address and fills the numbers in: in an opening
# rush they are most of the answers (docs/performance.md, "opening rush"). Numbers go in as
# marks that cannot occur in the page; a page without its marks is rendered normally.
_POSITION_MARK, _RETRY_MARK = 987654301, 987654307
_RENDERED: dict[tuple, str] = {}
_RENDERED_MAX = 512  # keys include the address (query strings too): a bound, not a cache policy
_RENDERED_LOCK = threading.Lock()


def render_shared(
    request,
    template: str,
    context: dict | Callable[[], dict],
    *,
    numbers: dict,
    status: int,
    fallback: Callable[[], HttpResponse] | None = None,
    shared_key: tuple | None = None,
):
    """``render`` for a page that is the same for everyone apart from ``numbers`` (mark → value;
    a mark is a number or a string that cannot occur in the page, its value is escaped).
    ``fallback`` renders the page normally when a mark did not survive the template.
    ``context`` may be a function that makes it, called only when the page is drawn; then
    ``shared_key`` says what else the page depends on (else the context's ``shared_key``)."""
    if shared_key is None:
        shared_key = tuple(sorted(context.get("shared_key", ()))) if isinstance(context, dict) else ()
    key = (template, get_language(), request.get_full_path(), shared_key)
    body = _RENDERED.get(key)
    if body is None:
        if callable(context):
            context = context()
        body = render_to_string(template, context, request)
        if not all(str(mark) in body for mark in numbers):
            body = ""  # a mark was formatted away: render every time
        with _RENDERED_LOCK:
            if len(_RENDERED) >= _RENDERED_MAX:
                _RENDERED.clear()
            _RENDERED[key] = body
    if not body:
        if fallback is not None:
            return fallback()
        if callable(context):
            context = context()
        return render(request, template, _with_numbers(context, numbers), status=status)
    for mark, value in numbers.items():
        # a number is its digits (what escape gives it); anything else is escaped
        body = body.replace(str(mark), str(value) if type(value) is int else escape(str(value)))
    return HttpResponse(body, status=status)


def _with_numbers(context: dict, numbers: dict[int, int]) -> dict:
    admission = context.get("admission")
    if admission is None:
        return context
    values = {_POSITION_MARK: "position", _RETRY_MARK: "retry_after"}
    return {**context, "admission": replace(admission, **{values[m]: v for m, v in numbers.items()})}


def full_page(request, *, resource_name: str = "", detail_url: str = "", status: int = 200):
    context = public_context(resource_name=resource_name, detail_url=detail_url)
    context["shared_key"] = (resource_name, detail_url)
    response = render_shared(request, "reservations/full.html", context, numbers={}, status=status)
    put_header(response, OUTCOME_HEADER, "full")
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
    status = 429 if admission.limited else 200
    if replay:  # a queued POST: the page carries what was typed and a CSRF token
        context = public_context(admission=admission, replay=replay, action=request.get_full_path())
        response = render(request, "reservations/waiting_room.html", context, status=status)
    else:
        numbers = {_POSITION_MARK: admission.position, _RETRY_MARK: admission.retry_after}
        if admission.limited:  # the limited page shows no position
            numbers = {_RETRY_MARK: admission.retry_after}

        def marked_context() -> dict:  # only when the page is drawn (once per process and key)
            marked = replace(admission, position=_POSITION_MARK, retry_after=_RETRY_MARK)
            return public_context(admission=marked, replay=[], action=request.get_full_path())

        response = render_shared(
            request,
            "reservations/waiting_room.html",
            marked_context,
            numbers=numbers,
            status=status,
            shared_key=("limited",) if admission.limited else ("queued",),
        )
    retry = str(admission.retry_after)
    put_header(response, "Retry-After", retry)
    if admission.limited:
        put_header(response, OUTCOME_HEADER, f"limited; retry-after={retry}")
    else:
        put_header(response, OUTCOME_HEADER, f"queued; position={admission.position}; retry-after={retry}")
    no_store(response)
    waiting_room.apply_cookies(response, scope, admission)
    return response


def no_store(response) -> None:
    """``patch_cache_control(response, no_store=True, private=True)``: on a page without a
    ``Cache-Control`` yet (the gate's own pages) the value it writes, written at once."""
    if "cache-control" in response.headers._store:
        patch_cache_control(response, no_store=True, private=True)
    else:
        put_header(response, "Cache-Control", NO_STORE)


def slot_hints(slot_id: int, *, stop_if_full: bool) -> waiting_room.SlotHints:
    """What the cache says of the slot (full? places left?), read by the waiting room with the
    admission: one round trip for the gate (docs/reservations.md, "Waiting room")."""
    return waiting_room.SlotHints(
        full_key=full_flag_key(slot_id),
        places_key=places_hint_key(slot_id),
        read_places=lambda: slot_places_read(slot_id),
        stop_if_full=stop_if_full,
    )


# The admission the waiting room's middleware made for this request (``reservations/middleware.py``):
# the view's gate uses it instead of asking the bucket a second time.
ADMISSION_ATTRIBUTE = "waiting_room_admission"


def gate_admission(request, org: str, res: str, slot_id: int) -> waiting_room.Admission:
    """Ask the waiting room once for this request to the booking page of ``slot_id``."""
    hints = slot_hints(slot_id, stop_if_full=request.method == "GET")
    return waiting_room.check_request(request, gate_scope(org, res), slot=str(slot_id), hints=hints)


def gate_page(request, admission: waiting_room.Admission, org: str, res: str):
    """The page for a visitor the gate did not let in ("full", or the queue), or None."""
    if admission.full:
        return full_page(request, detail_url=f"/reservations/r/{org}/{res}/")
    if not admission.admitted:
        return waiting_page(request, admission, scope=gate_scope(org, res))
    return None


def waiting_room_gate(view):
    """Decorate a view taking ``organization_slug``, ``resource_slug`` and ``slot_id``.

    A GET of a slot the cache knows is full gets the "full" page (with or without a pass); a
    POST goes on to the form, which says so itself. The gate asks the waiting room once per
    request (a GET: before the session's middleware, ``reservations/middleware.py``) and, after
    a booking POST, settles it once (its time, and the end of its admission when it booked or
    found the slot full; a booking with Redis does it in its own after-commit writes)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        org, res, slot_id = kwargs["organization_slug"], kwargs["resource_slug"], kwargs["slot_id"]
        scope = gate_scope(org, res)
        admission = getattr(request, ADMISSION_ATTRIBUTE, None) or gate_admission(request, org, res, slot_id)
        page = gate_page(request, admission, org, res)
        if page is not None:
            return page
        started = time.perf_counter()
        if request.method != "POST":
            response = view(request, *args, **kwargs)
        else:  # a booking attempt: what the slot can take (adaptive rate), and its admission's end
            with booking_ends_admission(scope, str(slot_id), started=started) as ending:
                response = view(request, *args, **kwargs)
            # a booking settled with its hints already (its time and its admission's end, in
            # the after-commit MULTI: waiting_room/ending.py); anything else settles here
            if ending is None or not ending.released:
                ended = response.get(OUTCOME_HEADER) in ("booked", "full")  # the admission has ended
                waiting_room.settle(scope, str(slot_id), seconds=time.perf_counter() - started, ended=ended)
        waiting_room.apply_cookies(response, scope, admission)
        return response

    return wrapper
