"""Django's Redis cache, with one client object per connection pool instead of one per call.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new ``redis.Redis``
around the shared connection pool for every cache operation; building it costs more than a
``GET`` over a kept-open connection (≈ 0.1–0.2 ms of CPU, several per request on the booking
and queue pages; docs/performance.md). A ``redis.Redis`` client is safe to share between
threads (each command takes a connection from the pool), so each process keeps one per pool.
Everything else — serializer, pools, options, key handling — is Django's.

``cache_add_and_set``: an add and some sets in one round trip (the booking's after-commit
writes: the notice gate and the waiting room's hints about the slot), with the Redis cache one
``EVALSHA`` of a script registered once per process and extension (decision 0030's addendum of
the eleventh session): a pipeline's ``MULTI`` of the same commands cost redis-py ≈ 0.1 ms of
Python per command (docs/performance.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.base import MEMCACHE_MAX_KEY_LENGTH
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    # Django's own (private) attributes, which django-stubs does not declare.
    _client: Any
    _get_connection_pool_index: Callable[[bool], int]
    _pools: dict[int, Any]
    _pool_class: Any
    _pool_options: dict[str, Any]
    _servers: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._lock = threading.Lock()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # First use: Django would build the pool without a lock (threads racing would each
            # get a pool of their own for that call); build the pool and its client once.
            with self._lock:
                client = self._clients.get(index)
                if client is None:
                    if index not in self._pools:
                        self._pools[index] = self._pool_class.from_url(
                            self._servers[index], **self._pool_options
                        )
                    client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._scripts: dict[str, Any] = {}  # add_and_set's script per step's Lua

    def validate_key(self, key: str) -> None:
        """Django's check (``memcache_key_warnings``: a warning for a key longer than 250
        characters, and one for a key with a control character or a space), without its
        Python loop over the characters when the key is at most 250 characters of printable
        ASCII without a space — exactly the keys it finds nothing in (the session's, the waiting
        room's). ≈ 20 k instructions per cache call on a booking POST's four keys."""
        if len(key) <= MEMCACHE_MAX_KEY_LENGTH and key.isascii() and key.isprintable() and " " not in key:
            return
        super().validate_key(key)

    def add_and_set(
        self,
        key: str,
        value: Any,
        timeout: int,
        also: Sequence[tuple[str, Any, int]],
        then: Callable[[], LuaStep] | None = None,
    ) -> bool:
        """``cache_add_and_set`` in one round trip: one ``EVALSHA`` of a script that runs
        ``SET … EX … NX`` and then ``SET … EX`` for each entry of ``also`` — the values and keys
        Django's own ``add`` and ``set`` write — and then ``then``'s step, atomically. The keys
        may lie in different hash slots (one Redis, docs/deployment.md)."""
        client = self._cache.get_client(write=True)
        dumps = self._cache._serializer.dumps
        make_key = self.make_and_validate_key
        keys = [make_key(key)]
        args: list[Any] = [dumps(value), timeout, len(also)]
        for other, other_value, other_timeout in also:
            keys.append(make_key(other))
            args += (dumps(other_value), other_timeout)
        step = then() if then is not None else None
        if step is not None:
            keys += step.keys
            args += step.args
        script = self.add_and_set_script(step.lua if step is not None else "")
        return bool(script(keys, args, client=client))

    def add_and_set_script(self, lua: str) -> Any:
        """The script for a step's Lua (``""``: none), made once per cache object (its SHA1
        computed here; redis-py loads it into Redis when the server answers ``NOSCRIPT``)."""
        script = self._scripts.get(lua)
        if script is None:
            from redis.commands.core import Script

            text = ADD_AND_SET_LUA + (ADD_AND_SET_STEP_LUA % lua if lua else "") + ADD_AND_SET_END_LUA
            script = self._scripts[lua] = Script(self._cache.get_client(write=True), text)
        return script


@dataclass(frozen=True)
class LuaStep:
    """Lua that ``cache_add_and_set`` runs after its writes, in the same script: ``lua`` is the
    body of a function of its own ``KEYS`` and ``ARGV`` (``keys`` and ``args``), its answer
    ignored. The text should not change between calls (each distinct text is a script of its
    own, registered once)."""

    lua: str
    keys: Sequence[str]
    args: Sequence[Any]


# KEYS: the added key, then one per entry of ``also``, then the step's. ARGV: the added value,
# its timeout, n = the entries of ``also``, their value and timeout each, then the step's.
# ``SET … NX`` answers a nil (false in Lua) when the key exists: the add did not take.
ADD_AND_SET_LUA = """
local taken = redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
local n = tonumber(ARGV[3])
for i = 1, n do
  redis.call('SET', KEYS[1 + i], ARGV[2 + 2 * i], 'EX', ARGV[3 + 2 * i])
end
"""
ADD_AND_SET_STEP_LUA = """
local function step(KEYS, ARGV)
%s
end
local step_keys, step_args = {}, {}
for i = n + 2, #KEYS do step_keys[#step_keys + 1] = KEYS[i] end
for i = 2 * n + 4, #ARGV do step_args[#step_args + 1] = ARGV[i] end
step(step_keys, step_args)
"""
ADD_AND_SET_END_LUA = """
if taken then return 1 end
return 0
"""


# Caches each process keeps to itself: a key one process sets is invisible to the others.
PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def cache_add_and_set(
    key: str,
    value: Any,
    timeout: int,
    *,
    also: Sequence[tuple[str, Any, int]] = (),
    then: Callable[[], LuaStep] | None = None,
) -> bool:
    """``cache.add(key, value, timeout)`` and ``cache.set(k, v, t)`` for each ``(k, v, t)`` of
    ``also`` (timeouts in whole seconds, above 0): with the Redis cache in one round trip (one
    script, atomic), with any other one call each. ``then``: called once when the writes are
    sent, gives Lua run after them in the same script (a ``LuaStep``; only with the Redis
    cache, not called with any other). Returns whether the add took. A cache error raises, as
    ``cache.add`` would."""
    from django.core.cache import caches

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend.add_and_set(key, value, timeout, also, then)
    added = backend.add(key, value, timeout)
    for other, other_value, other_timeout in also:
        backend.set(other, other_value, other_timeout)
    return added


def cache_is_shared() -> bool:
    """Whether every web and worker process sees the same default cache (Redis in production),
    so that one process can leave a key another clears — what "one task per burst" gates need.
    Tests set ``CACHE_TREAT_AS_SHARED`` to let their in-process cache stand in for one."""
    from django.conf import settings

    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend not in PROCESS_LOCAL_CACHES or bool(getattr(settings, "CACHE_TREAT_AS_SHARED", False))
