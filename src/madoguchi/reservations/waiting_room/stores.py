"""The two admission stores (``bucket.AdmissionStore``): Redis, where the bucket, its tickets and
the adaptive rate's state are keys changed by Lua scripts (atomic for all app servers, one round
trip per request), and the process-local store for the embedded setup (locmem cache), which runs
``bucket.bucket_step`` and ``rate.adapt_step`` in Python. A contract test runs the same checks
against both."""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache import cache

from madoguchi.reservations.waiting_room.bucket import (
    BUSY_IN_FLIGHT,
    FULL,
    PLACES_UNKNOWN,
    AdmissionStore,
    adapt_key,
    bucket_keys,
    bucket_step,
    release_step,
)
from madoguchi.reservations.waiting_room.rate import ADAPT_INTERVAL, adapt_step

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
SETTLE_LUA = """
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


def settle_keys_and_args(*, scope, slot, now, hold, seconds, ended, adapt, ttl) -> tuple[list, list]:
    """The keys and arguments of ``SETTLE_LUA`` (``RedisAdmissionStore.settle``, and a booking's
    after-commit ``MULTI``: ``waiting_room/ending.py``)."""
    observe = adapt is not None and seconds is not None
    keys = [adapt_key(scope), bucket_keys(scope, "", slot)[3]]
    args = [
        repr(now),
        repr(float(seconds)) if observe else "",
        1 if ended else 0,
        repr(hold),
        repr(adapt.rate) if observe else 0,
        repr(adapt.target_ms / 1000) if observe else 0,
        repr(adapt.max_rate) if observe else 0,
        repr(ADAPT_INTERVAL),
        ttl,
    ]
    return keys, args


class RedisAdmissionStore:
    """The bucket and the adaptive rate as Redis keys changed by Lua scripts (atomic for all app
    servers; one round trip per call)."""

    def __init__(self, client):
        self.client = client
        self.script = client.register_script(_LUA)
        self.settle_script = client.register_script(SETTLE_LUA)

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
            make_key = cache.make_key  # the default cache found once (a proxy: a lookup each time)
            keys += [make_key(hints.full_key), make_key(hints.places_key)]
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
        keys, args = settle_keys_and_args(
            scope=scope, slot=slot, now=now, hold=hold, seconds=seconds, ended=ended, adapt=adapt, ttl=ttl
        )
        self.settle_script(keys=keys, args=args)

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
