"""The token bucket: one atomic step per visitor (admitted, queued with a ticket, or refused a
place over the per-address ceiling), as Python for the process-local store and as one Lua script
for Redis. A contract test runs the same checks against both stores.

Each store also keeps the adaptive rate's state (``rate.adapt_step``) next to the bucket, so
that one call per request does what the gate needs (one Redis round trip: docs/performance.md,
"Issue 19, seventh session"): ``take`` reads the adapted rate and, for the booking pages, what
the cache says of the slot (``SlotHints``: full? places left?) with the admission; ``settle``
records a booking attempt's server time and ends its admission."""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.cache import cache

from madoguchi.reservations.waiting_room.rate import ADAPT_INTERVAL, adapt_step

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
    """One atomic step over the bucket state (changed in place); the Lua script below is the same.

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


# KEYS: the bucket_keys, the adapt_key, and with hints the full flag and places-left keys of the
# default cache (other hash slots: fine on the one Redis the deployment uses, docs/deployment.md;
# a Redis Cluster would refuse them). ARGV: now, rate, burst, client, limit, ttl, places, hold,
# BUSY_IN_FLIGHT, max_burst, adaptive (1/0), hints ('' none, 'full' stop if full, 'places').
_LUA = """
local key = KEYS[1]; local ckey = KEYS[2]; local akey = KEYS[3]; local ikey = KEYS[4]
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local client = ARGV[4]; local limit = tonumber(ARGV[5]); local ttl = tonumber(ARGV[6])
local places = tonumber(ARGV[7]); local hold = tonumber(ARGV[8])
local hints = ARGV[12]
if hints ~= '' then
  if hints == 'full' then
    local flag = redis.call('GET', KEYS[6])
    if flag and flag ~= '0' then return {2, 0, 0, '0'} end
  end
  local left = redis.call('GET', KEYS[7])
  if not left then return {3, 0, 0, '0'} end
  places = tonumber(left) or -1
  if places < 0 then places = -1 end
end
if ARGV[11] == '1' then rate = tonumber(redis.call('HGET', KEYS[5], 'rate')) or rate end
if rate < 0.001 then rate = 0.001 end
if places >= 0 then burst = math.max(burst, math.min(places, tonumber(ARGV[10]))) end
local s = redis.call('HMGET', key, 'tokens', 'ts', 'issued', 'served', 'adm')
local tokens = tonumber(s[1]) or burst
local ts = tonumber(s[2]) or now
local issued = tonumber(s[3]) or 0
local served = tonumber(s[4]) or 0
local adm = tonumber(s[5]) or 0
if now > ts then tokens = tokens + (now - ts) * rate; ts = now end
local track = places > 0
local room = 1e18
local waiting = issued - served
if track then
  redis.call('ZREMRANGEBYSCORE', ikey, '-inf', now - hold)
  local flying = redis.call('ZCARD', ikey)
  if waiting > 0 or tokens < burst or flying >= tonumber(ARGV[9]) then
    room = places - flying
    if room < 0 then room = 0 end
  end
end
if waiting > 0 and tokens >= 1 and room >= 1 then
  local n = math.min(waiting, math.floor(tokens), room)
  served = served + n; tokens = tokens - n; room = room - n
  if track then
    for i = 1, n do adm = adm + 1; redis.call('ZADD', ikey, now, adm) end
  end
end
if tokens > burst then tokens = burst end
local mine = 0
if client ~= '' then mine = tonumber(redis.call('HGET', ckey, client)) or 0 end
if mine > issued then mine = 0 end
local status = 0; local ticket = 0; local position = 0
if mine > 0 then
  ticket = mine
  if mine <= served then status = 1; redis.call('HDEL', ckey, client) else position = mine - served end
elseif issued == served and tokens >= 1 and room >= 1 then
  tokens = tokens - 1; status = 1
  if track then adm = adm + 1; redis.call('ZADD', ikey, now, adm) end
else
  local track = limit > 0
  local full = false
  if track then
    redis.call('ZREMRANGEBYSCORE', akey, '-inf', served)
    if redis.call('ZCARD', akey) >= limit then
      local oldest = redis.call('ZRANGE', akey, 0, 0, 'WITHSCORES')
      status = -1; position = tonumber(oldest[2]) - served; full = true
    end
  end
  if not full then
    issued = issued + 1; ticket = issued; position = issued - served
    if client ~= '' then redis.call('HSET', ckey, client, issued) end
    if track then redis.call('ZADD', akey, issued, issued); redis.call('EXPIRE', akey, ttl) end
  end
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(ts), 'issued', issued, 'served', served, 'adm', adm)
redis.call('EXPIRE', key, ttl)
redis.call('EXPIRE', ckey, ttl)
if track then redis.call('EXPIRE', ikey, ttl) end
return {status, ticket, position, tostring(rate)}
"""

# ``settle``: rate.adapt_step over the adapt hash (when ARGV[2] is not ''), then release_step
# (when ARGV[3] is '1'), atomically and in one round trip (a GET and a SET of a pickled state
# before: two, and a lost update between processes). KEYS: the adapt_key, the slot's
# admissions in flight. ARGV: now, seconds, ended, hold, rate, target (s), max_rate,
# ADAPT_INTERVAL, ttl.
_SETTLE_LUA = """
local now = tonumber(ARGV[1])
if ARGV[2] ~= '' then
  local seconds = tonumber(ARGV[2])
  local s = redis.call('HMGET', KEYS[1], 'rate', 'avg', 'ts')
  local rate = tonumber(s[1]) or tonumber(ARGV[5])
  local average = 0.8 * (tonumber(s[2]) or seconds) + 0.2 * seconds
  local last = tonumber(s[3]) or now
  if now - last >= tonumber(ARGV[8]) then
    local target = tonumber(ARGV[6])
    if average > target then rate = math.max(1.0, rate * 0.8)
    elseif average < target / 2 then rate = math.min(tonumber(ARGV[7]), rate * 1.25) end
    last = now
  end
  redis.call('HSET', KEYS[1], 'rate', tostring(rate), 'avg', tostring(average), 'ts', tostring(last))
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[9]))
end
if ARGV[3] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
  redis.call('ZPOPMIN', KEYS[2])
end
return 1
"""


class RedisAdmissionStore:
    """The bucket as Redis keys changed by one Lua script (atomic for all app servers)."""

    def __init__(self, client):
        self.client = client
        self.script = client.register_script(_LUA)
        self.settle_script = client.register_script(_SETTLE_LUA)

    def take(
        self,
        *,
        scope,
        client,
        address,
        limit,
        now,
        rate,
        burst,
        ttl,
        places=-1,
        hold=0.0,
        slot="",
        max_burst=0,
        adaptive=False,
        hints=None,
    ):
        keys = [*bucket_keys(scope, address, slot), adapt_key(scope)]
        mode = ""
        if hints is not None:
            keys += [cache.make_key(hints.full_key), cache.make_key(hints.places_key)]
            mode = "full" if hints.stop_if_full else "places"
        status, ticket, position, used = self.script(
            keys=keys,
            args=[
                repr(now),
                repr(float(rate)),
                burst,
                client,
                limit if address else 0,
                ttl,
                places,
                repr(hold),
                BUSY_IN_FLIGHT,
                max_burst,
                1 if adaptive else 0,
                mode,
            ],
        )
        return int(status), int(ticket), int(position), float(used)

    def settle(self, *, scope, slot, now, hold, seconds, ended, adapt, ttl):
        observe = adapt is not None and seconds is not None
        self.settle_script(
            keys=[adapt_key(scope), bucket_keys(scope, "", slot)[3]],
            args=[
                repr(now),
                repr(float(seconds)) if observe else "",
                1 if ended else 0,
                repr(hold),
                repr(adapt.rate) if observe else 0,
                repr(adapt.target_ms / 1000) if observe else 0,
                repr(adapt.max_rate) if observe else 0,
                repr(ADAPT_INTERVAL),
                ttl,
            ],
        )

    def rate(self, *, scope, base, now):
        value = self.client.hget(adapt_key(scope), "rate")
        return float(value) if value is not None else base


class LocalAdmissionStore:
    """The bucket in process memory, for the embedded setup (locmem cache is per process too);
    the hints are read from the default cache."""

    def __init__(self):
        self.lock = threading.Lock()
        self.states: dict[str, tuple[float, dict[str, Any]]] = {}
        self.adapt: dict[str, tuple[float, dict[str, float]]] = {}

    def take(
        self,
        *,
        scope,
        client,
        address,
        limit,
        now,
        rate,
        burst,
        ttl,
        places=-1,
        hold=0.0,
        slot="",
        max_burst=0,
        adaptive=False,
        hints=None,
    ):
        if hints is not None:
            if hints.stop_if_full:
                values = cache.get_many([hints.full_key, hints.places_key])
                if values.get(hints.full_key):
                    return FULL, 0, 0, 0.0
                left = values.get(hints.places_key)
            else:
                left = cache.get(hints.places_key)
            if left is None:
                return PLACES_UNKNOWN, 0, 0, 0.0
            places = max(int(left), -1)
        with self.lock:
            if adaptive:
                rate = self._adapted(scope, now).get("rate", rate)
            rate = max(float(rate), 0.001)
            expires, state = self.states.get(scope, (0.0, {}))
            if expires < now:
                state = {}
            status, ticket, position = bucket_step(
                state,
                client=client,
                address=address,
                limit=limit,
                now=now,
                rate=rate,
                burst=burst,
                places=places,
                hold=hold,
                slot=slot,
                max_burst=max_burst,
            )
            self.states[scope] = (now + ttl, state)
            return status, ticket, position, rate

    def settle(self, *, scope, slot, now, hold, seconds, ended, adapt, ttl):
        with self.lock:
            if adapt is not None and seconds is not None:
                conf = {"rate": adapt.rate, "target_ms": adapt.target_ms, "max_rate": adapt.max_rate}
                state = adapt_step(self._adapted(scope, now), seconds=seconds, now=now, conf=conf)
                self.adapt[scope] = (now + ttl, state)
            if ended:
                expires, bucket = self.states.get(scope, (0.0, {}))
                if expires >= now:
                    release_step(bucket, slot=slot, now=now, hold=hold)

    def rate(self, *, scope, base, now):
        with self.lock:
            return float(self._adapted(scope, now).get("rate", base))

    def _adapted(self, scope: str, now: float) -> dict[str, float]:
        expires, state = self.adapt.get(scope, (0.0, {}))
        return state if expires >= now else {}


_local_store = LocalAdmissionStore()


def default_store() -> AdmissionStore:
    """Redis when the shared cache is Redis, else the process-local store."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):
        store = getattr(default_store, "_redis", None)
        if store is None or store.client is not backend.get_client(write=True):
            store = RedisAdmissionStore(backend.get_client(write=True))
            default_store._redis = store  # type: ignore[attr-defined]
        return store
    return _local_store
