"""The token bucket: one atomic step per visitor (admitted, queued with a ticket, or refused a
place over the per-address ceiling), as Python for the process-local store and as one Lua script
for Redis. A contract test runs the same checks against both stores."""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.cache import cache

KEY_PREFIX = "resv:wr:"
BUCKET_TTL = 3600  # an idle bucket (and its tickets) is forgotten after an hour

ADMITTED, QUEUED, LIMITED = 1, 0, -1
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
    ) -> tuple[int, int, int]:
        """Atomically refill, serve the queue and admit, enqueue or refuse.

        Returns ``(status, ticket, position)``: status ``ADMITTED``, ``QUEUED`` or ``LIMITED``;
        for ``LIMITED`` the position is how far the address's oldest waiting ticket is from
        being served.

        ``places`` > 0: the slot ``slot`` has that many places left, and admissions to it in
        the last ``hold`` seconds that have not yet ended in a booking (or "full") count
        against them — no more are let in than can still book (``bucket_step``).
        """

    def release(self, *, scope: str, slot: str, now: float, hold: float) -> None:
        """One admission to ``slot`` has ended (booked, or told it is full): it no longer
        holds a place back."""


def bucket_keys(scope: str, address: str, slot: str = "") -> tuple[str, str, str, str]:
    """Bucket hash, client → ticket hash, the address's waiting tickets, the slot's admissions
    in flight (one Redis hash slot)."""
    base = f"{KEY_PREFIX}{{{scope}}}"
    return base, base + ":c", base + ":a:" + address, base + ":in:" + slot


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
) -> tuple[int, int, int]:
    """One atomic step over the bucket state (changed in place); the Lua script below is the same.

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


_LUA = """
local key = KEYS[1]; local ckey = KEYS[2]; local akey = KEYS[3]; local ikey = KEYS[4]
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local client = ARGV[4]; local limit = tonumber(ARGV[5]); local ttl = tonumber(ARGV[6])
local places = tonumber(ARGV[7]); local hold = tonumber(ARGV[8])
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
return {status, ticket, position}
"""

_RELEASE_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
redis.call('ZPOPMIN', KEYS[1])
return 1
"""


class RedisAdmissionStore:
    """The bucket as Redis keys changed by one Lua script (atomic for all app servers)."""

    def __init__(self, client):
        self.client = client
        self.script = client.register_script(_LUA)
        self.release_script = client.register_script(_RELEASE_LUA)

    def take(self, *, scope, client, address, limit, now, rate, burst, ttl, places=-1, hold=0.0, slot=""):
        status, ticket, position = self.script(
            keys=list(bucket_keys(scope, address, slot)),
            args=[
                repr(now),
                repr(rate),
                burst,
                client,
                limit if address else 0,
                ttl,
                places,
                repr(hold),
                BUSY_IN_FLIGHT,
            ],
        )
        return int(status), int(ticket), int(position)

    def release(self, *, scope, slot, now, hold):
        self.release_script(keys=[bucket_keys(scope, "", slot)[3]], args=[repr(now), repr(hold)])


class LocalAdmissionStore:
    """The bucket in process memory, for the embedded setup (locmem cache is per process too)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.states: dict[str, tuple[float, dict[str, Any]]] = {}

    def take(self, *, scope, client, address, limit, now, rate, burst, ttl, places=-1, hold=0.0, slot=""):
        with self.lock:
            expires, state = self.states.get(scope, (0.0, {}))
            if expires < now:
                state = {}
            result = bucket_step(
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
            )
            self.states[scope] = (now + ttl, state)
            return result

    def release(self, *, scope, slot, now, hold):
        with self.lock:
            expires, state = self.states.get(scope, (0.0, {}))
            if expires >= now:
                release_step(state, slot=slot, now=now, hold=hold)


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
