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
    ) -> tuple[int, int, int]:
        """Atomically refill, serve the queue and admit, enqueue or refuse.

        Returns ``(status, ticket, position)``: status ``ADMITTED``, ``QUEUED`` or ``LIMITED``;
        for ``LIMITED`` the position is how far the address's oldest waiting ticket is from
        being served.
        """


def bucket_keys(scope: str, address: str) -> tuple[str, str, str]:
    """Bucket hash, client → ticket hash, the address's waiting tickets (one Redis hash slot)."""
    base = f"{KEY_PREFIX}{{{scope}}}"
    return base, base + ":c", base + ":a:" + address


def bucket_step(
    state: dict[str, Any], *, client: str, address: str, limit: int, now: float, rate: float, burst: int
) -> tuple[int, int, int]:
    """One atomic step over the bucket state (changed in place); the Lua script below is the same."""
    tokens = state.get("tokens", float(burst))
    ts = state.get("ts", now)
    issued = int(state.get("issued", 0))
    served = int(state.get("served", 0))
    clients: dict[str, int] = state.setdefault("clients", {})
    addresses: dict[str, list[int]] = state.setdefault("addresses", {})
    if now > ts:
        tokens += (now - ts) * rate
        ts = now
    waiting = issued - served
    if waiting > 0 and tokens >= 1:
        n = min(waiting, math.floor(tokens))
        served += n
        tokens -= n
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
    elif issued == served and tokens >= 1:
        tokens -= 1
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


_LUA = """
local key = KEYS[1]; local ckey = KEYS[2]; local akey = KEYS[3]
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local client = ARGV[4]; local limit = tonumber(ARGV[5]); local ttl = tonumber(ARGV[6])
local s = redis.call('HMGET', key, 'tokens', 'ts', 'issued', 'served')
local tokens = tonumber(s[1]) or burst
local ts = tonumber(s[2]) or now
local issued = tonumber(s[3]) or 0
local served = tonumber(s[4]) or 0
if now > ts then tokens = tokens + (now - ts) * rate; ts = now end
local waiting = issued - served
if waiting > 0 and tokens >= 1 then
  local n = math.min(waiting, math.floor(tokens))
  served = served + n; tokens = tokens - n
end
if tokens > burst then tokens = burst end
local mine = 0
if client ~= '' then mine = tonumber(redis.call('HGET', ckey, client)) or 0 end
if mine > issued then mine = 0 end
local status = 0; local ticket = 0; local position = 0
if mine > 0 then
  ticket = mine
  if mine <= served then status = 1; redis.call('HDEL', ckey, client) else position = mine - served end
elseif issued == served and tokens >= 1 then
  tokens = tokens - 1; status = 1
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
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(ts), 'issued', issued, 'served', served)
redis.call('EXPIRE', key, ttl)
redis.call('EXPIRE', ckey, ttl)
return {status, ticket, position}
"""


class RedisAdmissionStore:
    """The bucket as Redis keys changed by one Lua script (atomic for all app servers)."""

    def __init__(self, client):
        self.client = client
        self.script = client.register_script(_LUA)

    def take(self, *, scope, client, address, limit, now, rate, burst, ttl):
        status, ticket, position = self.script(
            keys=list(bucket_keys(scope, address)),
            args=[repr(now), repr(rate), burst, client, limit if address else 0, ttl],
        )
        return int(status), int(ticket), int(position)


class LocalAdmissionStore:
    """The bucket in process memory, for the embedded setup (locmem cache is per process too)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.states: dict[str, tuple[float, dict[str, Any]]] = {}

    def take(self, *, scope, client, address, limit, now, rate, burst, ttl):
        with self.lock:
            expires, state = self.states.get(scope, (0.0, {}))
            if expires < now:
                state = {}
            result = bucket_step(
                state, client=client, address=address, limit=limit, now=now, rate=rate, burst=burst
            )
            self.states[scope] = (now + ttl, state)
            return result


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
