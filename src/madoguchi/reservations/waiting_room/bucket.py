"""The token bucket: one atomic step per visitor (admitted, queued with a ticket, or refused a
place over the per-address ceiling), and the contract of the stores that keep it
(``AdmissionStore``; ``stores.py``: one Lua script for Redis, this Python for the process-local
store). A contract test runs the same checks against both stores.

Each store also keeps the adaptive rate's state (``rate.adapt_step``) next to the bucket, so
that one call per request does what the gate needs (one Redis round trip: docs/performance.md,
"Issue 19, seventh session"): ``take`` reads the adapted rate and, for the booking pages, what
the cache says of the slot (``SlotHints``: full? places left?) with the admission; ``settle``
records a booking attempt's server time and ends its admission."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

KEY_PREFIX = "resv:wr:"
BUCKET_TTL = 3600  # an idle bucket (and its tickets) is forgotten after an hour

ADMITTED, QUEUED, LIMITED = 1, 0, -1
# ``take`` with hints: the slot's full flag is set (nothing taken), or the cache does not know
# its places left (nothing taken; ask again with ``places``)
FULL, PLACES_UNKNOWN = 2, 3
# With this many admissions to a slot in flight the bucket counts as busy (``bucket_step``)
BUSY_IN_FLIGHT = 2


@dataclass(frozen=True)
class Admission:
    admitted: bool
    ticket: int  # 0 when admitted straight away or refused a place; -1 when holding a pass
    position: int  # people ahead, including you (0 when admitted)
    retry_after: int  # seconds until trying again is worthwhile
    limited: bool = False  # refused a place: too many waiting tickets from this address
    new_client: str = ""  # a client id to hand out in the client cookie ("" = nothing to set)
    full: bool = False  # not admitted: the slot's full flag is set (``SlotHints.stop_if_full``)


@dataclass(frozen=True)
class SlotHints:
    """What the shared cache says of the slot asked for, read by the store with the admission
    (one round trip). ``full_key``: a default-cache key set (to a true value) when the slot is
    full; ``places_key``: its places left a moment ago as an int, -1 for no such slot;
    ``read_places``: the places when the cache has none (read and remembered by the caller);
    ``stop_if_full``: with the flag set answer ``FULL`` and take nothing (a GET: the page says
    so). The Redis store reads the two keys as Django's Redis cache writes an int (its digits)."""

    full_key: str
    places_key: str
    read_places: Callable[[], int | None]
    stop_if_full: bool = True


@dataclass(frozen=True)
class AdaptConf:
    """The adaptive rate's settings as ``settle`` needs them (``rate.adapt_step``)."""

    rate: float
    target_ms: float
    max_rate: float


class AdmissionStore(Protocol):
    def take(
        self,
        *,
        scope: str,
        client: str,
        address: str,
        limit: int,
        now: float,
        rate: float,
        burst: int,
        ttl: int,
        places: int = -1,
        hold: float = 0.0,
        slot: str = "",
        max_burst: int = 0,
        adaptive: bool = False,
        hints: SlotHints | None = None,
    ) -> tuple[int, int, int, float]:
        """Atomically refill, serve the queue and admit, enqueue or refuse.

        Returns ``(status, ticket, position, rate)``: status ``ADMITTED``, ``QUEUED`` or
        ``LIMITED``; for ``LIMITED`` the position is how far the address's oldest waiting ticket
        is from being served; ``rate`` is the admissions per second used (``rate``, or with
        ``adaptive`` the adapted one ``settle`` keeps, at least 0.001).

        ``places`` ≥ 0: the slot ``slot`` has that many places left (-1: not known); the bucket
        holds up to ``max(burst, min(places, max_burst))`` tokens (``bucket_step``), and
        admissions to the slot in the last ``hold`` seconds that have not yet ended in a
        booking (or "full") count against them — no more are let in than can still book.
        With ``hints`` the places are read from the cache instead (status ``PLACES_UNKNOWN``
        when it has none, ``FULL`` when the full flag is set and ``stop_if_full``; nothing is
        taken then).
        """

    def settle(
        self,
        *,
        scope: str,
        slot: str,
        now: float,
        hold: float,
        seconds: float | None,
        ended: bool,
        adapt: AdaptConf | None,
        ttl: int,
    ) -> None:
        """A booking attempt is over: with ``adapt``, its server time ``seconds`` moves the
        adaptive rate (``rate.adapt_step``); with ``ended`` (booked, or told the slot is full)
        one admission to ``slot`` no longer holds a place back (``release_step``)."""

    def rate(self, *, scope: str, base: float, now: float) -> float:
        """The adapted rate of ``scope`` (``base`` when no attempt has been observed)."""


def bucket_keys(scope: str, address: str, slot: str = "") -> tuple[str, str, str, str]:
    """Bucket hash, client → ticket hash, the address's waiting tickets, the slot's admissions
    in flight (one Redis hash slot)."""
    base = f"{KEY_PREFIX}{{{scope}}}"
    return base, base + ":c", base + ":a:" + address, base + ":in:" + slot


def adapt_key(scope: str) -> str:
    """The adaptive rate's state (a Redis hash: rate, avg, ts), in the bucket's hash slot."""
    return f"{KEY_PREFIX}{{{scope}}}:adapt"


def effective_burst(burst: int, places: int, max_burst: int) -> int:
    """``gate.burst_for``: ``burst``, or — when the slot has more places left (``places`` ≥ 0) —
    as many as it has left, up to ``max_burst``."""
    if places < 0:
        return burst
    return max(burst, min(places, max_burst))


def bucket_step(
    state: dict[str, Any],
    *,
    client: str,
    address: str,
    limit: int,
    now: float,
    rate: float,
    burst: int,
    places: int = -1,
    hold: float = 0.0,
    slot: str = "",
    max_burst: int = 0,
) -> tuple[int, int, int]:
    """One atomic step over the bucket state (changed in place); the Redis store's Lua script
    (``stores._LUA``) is the same.

    The bucket holds up to ``effective_burst(burst, places, max_burst)`` tokens.

    With ``places`` > 0 nobody is let in beyond the places left less the admissions to the
    slot still in flight (let in within ``hold`` seconds, not yet booked or told "full"), so
    at an opening nobody is let in only to find the last place taken by someone let in before
    them; the tokens still set the pace. The cap applies only while the bucket is busy —
    someone waits in line, the tokens are below the burst (admissions outpace the refill), or
    ``BUSY_IN_FLIGHT`` people are already on their way to the slot — so on a quiet day
    someone looking at a slot's last place does not make the next visitor wait. With 0 places
    left (full, or stopped) or unknown, the cap does not apply: the page behind the gate says
    why nobody can book. The queue is the resource's (one scope), the places are the slot's: a
    queued ticket served while someone asks for one slot counts against that slot (exact for
    the one-slot opening it is for)."""
    burst = effective_burst(burst, places, max_burst)
    tokens = state.get("tokens", float(burst))
    ts = state.get("ts", now)
    issued = int(state.get("issued", 0))
    served = int(state.get("served", 0))
    clients: dict[str, int] = state.setdefault("clients", {})
    addresses: dict[str, list[int]] = state.setdefault("addresses", {})
    if now > ts:
        tokens += (now - ts) * rate
        ts = now
    flight: list[float] | None = None
    room = math.inf
    waiting = issued - served
    if places > 0:
        flight = _in_flight(state, slot, now, hold)
        # busy: a queue, admissions outpacing the refill, or more than one person on the way
        if waiting > 0 or tokens < burst or len(flight) >= BUSY_IN_FLIGHT:
            room = max(0, places - len(flight))
    if waiting > 0 and tokens >= 1 and room >= 1:
        n = int(min(waiting, math.floor(tokens), room))
        served += n
        tokens -= n
        room -= n
        if flight is not None:
            flight.extend([now] * n)
    tokens = min(tokens, float(burst))
    mine = clients.get(client, 0) if client else 0
    if mine > issued:  # the bucket was reset (expired) since this ticket was drawn
        mine = 0
    if mine > 0:
        if mine <= served:
            del clients[client]  # the ticket is used up by the admission it buys
            result = (ADMITTED, mine, 0)
        else:
            result = (QUEUED, mine, mine - served)
    elif issued == served and tokens >= 1 and room >= 1:
        tokens -= 1
        if flight is not None:
            flight.append(now)
        result = (ADMITTED, 0, 0)
    else:
        held = addresses.get(address) if limit > 0 and address else None
        if held is not None:
            del held[: bisect_right(held, served)]  # served tickets no longer count
        if held and len(held) >= limit:
            result = (LIMITED, 0, held[0] - served)
        else:
            issued += 1
            if client:
                clients[client] = issued
            if limit > 0 and address:
                addresses.setdefault(address, []).append(issued)
            result = (QUEUED, issued, issued - served)
    state.update(tokens=tokens, ts=ts, issued=issued, served=served)
    return result


def _in_flight(state: dict[str, Any], slot: str, now: float, hold: float) -> list[float]:
    """The slot's admissions within ``hold`` seconds (times, oldest first), in ``state``."""
    flights: dict[str, list[float]] = state.setdefault("flight", {})
    times = [t for t in flights.get(slot, []) if t > now - hold]
    flights[slot] = times
    return times


def release_step(state: dict[str, Any], *, slot: str, now: float, hold: float) -> None:
    """``release`` over the bucket state: the oldest admission in flight ends."""
    times = _in_flight(state, slot, now, hold)
    if times:
        del times[0]
