"""The gate: admit a request (its pass, else the bucket) and hand out the cookies it earned; after a
booking attempt, feed the adaptive rate and end the admission (``settle``)."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.cache import cache

from madoguchi.reservations.waiting_room.addresses import address_group, client_address
from madoguchi.reservations.waiting_room.bucket import (
    ADMITTED,
    BUCKET_TTL,
    FULL,
    LIMITED,
    PLACES_UNKNOWN,
    AdaptConf,
    Admission,
    AdmissionStore,
    SlotHints,
    effective_burst,
)
from madoguchi.reservations.waiting_room.conf import config
from madoguchi.reservations.waiting_room.passes import (
    CLIENT_COOKIE,
    client_new,
    client_read,
    pass_cookie_name,
    pass_valid,
    set_client_cookie,
    set_pass_cookie,
)
from madoguchi.reservations.waiting_room.stores import default_store

FULL_ANSWER = Admission(admitted=False, ticket=0, position=0, retry_after=0, full=True)


def admit(
    *,
    scope: str,
    client: str = "",
    address: str = "",
    now: float | None = None,
    store: AdmissionStore | None = None,
    places: int | None = None,
    slot: str = "",
    hints: SlotHints | None = None,
) -> Admission:
    """Ask the bucket for admission for a visitor (``client`` finds the ticket they hold).

    ``address`` is the visitor's address as :func:`address_group` returns it ("" = no ceiling).
    ``places``: how many places the slot asked for (``slot``) has left (None: not known); see
    :func:`burst_for` — and no more are let in to it than can still book: admissions in the
    last ``RESERVATIONS_WAITING_ROOM_HOLD_SECONDS`` that have not ended (:func:`release`)
    hold their place back. ``hints``: read the places (and the full flag) from the cache in
    the same call instead (``SlotHints``); the answer is ``FULL_ANSWER`` when the flag is set.
    """
    conf = config()
    store = store or default_store()
    now = time.time() if now is None else now
    ask: dict[str, Any] = {
        "scope": scope,
        "client": client,
        "address": address,
        "limit": max(int(conf["per_ip"]), 0),
        "now": now,
        "rate": conf["rate"],
        "burst": int(conf["burst"]),
        "max_burst": int(conf["max_burst"]),
        "adaptive": bool(conf["adaptive"]),
        "ttl": BUCKET_TTL,
        "places": -1 if places is None else int(places),
        "hold": float(conf["hold"]),
        "slot": slot,
    }
    status, ticket, position, rate = store.take(**ask, hints=hints)
    if status == FULL:
        return FULL_ANSWER
    if status == PLACES_UNKNOWN:  # the cache forgot the places (every PLACES_HINT_TTL at most)
        assert hints is not None
        known = hints.read_places()
        status, ticket, position, rate = store.take(**{**ask, "places": -1 if known is None else known})
    if status == ADMITTED:
        return Admission(admitted=True, ticket=ticket, position=0, retry_after=0)
    retry = min(int(conf["max_retry"]), max(2, math.ceil(position / rate)))
    return Admission(
        admitted=False, ticket=ticket, position=position, retry_after=retry, limited=status == LIMITED
    )


def settle(
    scope: str,
    slot: str,
    *,
    seconds: float | None,
    ended: bool,
    now: float | None = None,
    store: AdmissionStore | None = None,
) -> None:
    """A booking attempt that passed the gate is over: its server time ``seconds`` feeds the
    adaptive rate (:func:`observe`) and, when it ``ended`` the admission — the person booked,
    or was told the slot is full — the admission no longer holds a place back from the next in
    line (:func:`release`). One call to the store (one round trip with Redis)."""
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED:
        return
    conf = config()
    adapt = None
    if conf["adaptive"] and seconds is not None:
        adapt = AdaptConf(rate=conf["rate"], target_ms=conf["target_ms"], max_rate=conf["max_rate"])
    if adapt is None and not ended:
        return
    (store or default_store()).settle(
        scope=scope,
        slot=slot,
        now=time.time() if now is None else now,
        hold=float(conf["hold"]),
        seconds=seconds,
        ended=ended,
        adapt=adapt,
        ttl=BUCKET_TTL,
    )


def release(scope: str, slot: str, *, now: float | None = None, store: AdmissionStore | None = None) -> None:
    """An admission to ``slot`` ended — the person booked, or was told the slot is full — so it
    no longer holds a place back from the next in line."""
    settle(scope, slot, seconds=None, ended=True, now=now, store=store)


def observe(
    scope: str, seconds: float, *, now: float | None = None, store: AdmissionStore | None = None
) -> None:
    """Feed the server time of a POST that passed the gate (a booking attempt) to the rate
    controller of ``scope`` (``rate.adapt_step``). Kept by the store, so every web process
    adapts the same rate; with Redis the step is one atomic script."""
    settle(scope, "", seconds=seconds, ended=False, now=now, store=store)


def current_rate(scope: str, *, now: float | None = None, store: AdmissionStore | None = None) -> float:
    """Admissions per second for ``scope``: the adapted rate, or the configured one."""
    conf = config()
    if not conf["adaptive"]:
        return conf["rate"]
    return (store or default_store()).rate(
        scope=scope, base=conf["rate"], now=time.time() if now is None else now
    )


def burst_for(places: int | None, conf: dict[str, float]) -> int:
    """How many may come in at once: ``…_BURST``, or — when the slot has more places left —
    as many as it has left, up to ``…_MAX_BURST``. At an opening the first people in line fill
    the places without waiting for admissions one by one, and as the places go the bucket
    holds fewer tokens, so nobody is let in only to be told the slot is full. Measured with
    ``bench/opening_rush.py`` (docs/performance.md). The stores apply it (``effective_burst``)."""
    return effective_burst(int(conf["burst"]), -1 if places is None else int(places), int(conf["max_burst"]))


def check_request(
    request,
    scope: str,
    *,
    client: str = "",
    places: int | None = None,
    slot: str = "",
    hints: SlotHints | None = None,
) -> Admission:
    """Admit the request if it carries a valid pass; otherwise ask the bucket.

    ``client`` binds the ticket to someone known (the API passes the signed-in user); by
    default the client is the signed id in the ``mdg_wr_client`` cookie, handed out here.
    ``hints`` (the booking pages): the bucket reads the slot's places and full flag from the
    cache with the admission; with ``stop_if_full`` the answer is ``FULL_ANSWER`` when the
    flag is set, with or without a pass.
    """
    enabled = settings.RESERVATIONS_WAITING_ROOM_ENABLED
    if not enabled or pass_valid(request.COOKIES.get(pass_cookie_name(scope)), scope):
        if hints is not None and hints.stop_if_full and cache.get(hints.full_key):
            return FULL_ANSWER
        if not enabled:
            return Admission(admitted=True, ticket=0, position=0, retry_after=0)
        return Admission(admitted=True, ticket=-1, position=0, retry_after=0)  # -1: already holds a pass
    new_client = ""
    if not client:
        client = client_read(request.COOKIES.get(CLIENT_COOKIE))
        if not client:
            client = new_client = client_new()
    admission = admit(
        scope=scope,
        client=client,
        address=address_group(client_address(request)),
        places=places,
        slot=slot,
        hints=hints,
    )
    if new_client and not admission.admitted and not admission.limited and not admission.full:
        return replace(admission, new_client=new_client)
    return admission


def apply_cookies(response, scope: str, admission: Admission) -> None:
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED or admission.ticket == -1:
        return
    if admission.admitted:
        set_pass_cookie(response, scope)
    elif admission.new_client:
        set_client_cookie(response, admission.new_client)
