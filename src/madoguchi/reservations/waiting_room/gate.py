"""The gate: admit a request (its pass, else the bucket) and hand out the cookies it earned."""

from __future__ import annotations

import math
import time
from dataclasses import replace

from django.conf import settings

from madoguchi.reservations.waiting_room.addresses import address_group, client_address
from madoguchi.reservations.waiting_room.bucket import (
    ADMITTED,
    BUCKET_TTL,
    LIMITED,
    Admission,
    AdmissionStore,
    default_store,
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
from madoguchi.reservations.waiting_room.rate import current_rate


def admit(
    *,
    scope: str,
    client: str = "",
    address: str = "",
    now: float | None = None,
    store: AdmissionStore | None = None,
    places: int | None = None,
    slot: str = "",
) -> Admission:
    """Ask the bucket for admission for a visitor (``client`` finds the ticket they hold).

    ``address`` is the visitor's address as :func:`address_group` returns it ("" = no ceiling).
    ``places``: how many places the slot asked for (``slot``) has left (None: not known); see
    :func:`burst_for` — and no more are let in to it than can still book: admissions in the
    last ``RESERVATIONS_WAITING_ROOM_HOLD_SECONDS`` that have not ended (:func:`release`)
    hold their place back.
    """
    conf = config()
    store = store or default_store()
    rate = max(current_rate(scope), 0.001)
    status, ticket, position = store.take(
        scope=scope,
        client=client,
        address=address,
        limit=max(int(conf["per_ip"]), 0),
        now=time.time() if now is None else now,
        rate=rate,
        burst=burst_for(places, conf),
        ttl=BUCKET_TTL,
        places=-1 if places is None else int(places),
        hold=float(conf["hold"]),
        slot=slot,
    )
    if status == ADMITTED:
        return Admission(admitted=True, ticket=ticket, position=0, retry_after=0)
    retry = min(int(conf["max_retry"]), max(2, math.ceil(position / rate)))
    return Admission(
        admitted=False, ticket=ticket, position=position, retry_after=retry, limited=status == LIMITED
    )


def release(scope: str, slot: str, *, now: float | None = None, store: AdmissionStore | None = None) -> None:
    """An admission to ``slot`` ended — the person booked, or was told the slot is full — so it
    no longer holds a place back from the next in line."""
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED:
        return
    (store or default_store()).release(
        scope=scope, slot=slot, now=time.time() if now is None else now, hold=float(config()["hold"])
    )


def burst_for(places: int | None, conf: dict[str, float]) -> int:
    """How many may come in at once: ``…_BURST``, or — when the slot has more places left —
    as many as it has left, up to ``…_MAX_BURST``. At an opening the first people in line fill
    the places without waiting for admissions one by one, and as the places go the bucket
    holds fewer tokens, so nobody is let in only to be told the slot is full. Measured with
    ``bench/opening_rush.py`` (docs/performance.md)."""
    burst = int(conf["burst"])
    if places is None:
        return burst
    return max(burst, min(int(places), int(conf["max_burst"])))


def check_request(
    request, scope: str, *, client: str = "", places: int | None = None, slot: str = ""
) -> Admission:
    """Admit the request if it carries a valid pass; otherwise ask the bucket.

    ``client`` binds the ticket to someone known (the API passes the signed-in user); by
    default the client is the signed id in the ``mdg_wr_client`` cookie, handed out here.
    """
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED:
        return Admission(admitted=True, ticket=0, position=0, retry_after=0)
    if pass_valid(request.COOKIES.get(pass_cookie_name(scope)), scope):
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
    )
    if new_client and not admission.admitted and not admission.limited:
        return replace(admission, new_client=new_client)
    return admission


def apply_cookies(response, scope: str, admission: Admission) -> None:
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED or admission.ticket == -1:
        return
    if admission.admitted:
        set_pass_cookie(response, scope)
    elif admission.new_client:
        set_client_cookie(response, admission.new_client)
