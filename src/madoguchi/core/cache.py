"""Django's Redis cache, with one client object per connection pool instead of one per call.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new ``redis.Redis``
around the shared connection pool for every cache operation; building it costs more than a
``GET`` over a kept-open connection (≈ 0.1–0.2 ms of CPU, several per request on the booking
and queue pages; docs/performance.md). A ``redis.Redis`` client is safe to share between
threads (each command takes a connection from the pool), so each process keeps one per pool.
Everything else — serializer, pools, options, key handling — is Django's.

``cache_add_and_set``: an add and some sets in one round trip (the booking's after-commit
writes: the notice gate and the waiting room's hints about the slot).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

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

    def add_and_set(
        self,
        key: str,
        value: Any,
        timeout: int,
        also: Sequence[tuple[str, Any, int]],
        then: Callable[[Any], None] | None = None,
    ) -> bool:
        """``cache_add_and_set`` in one round trip: a pipeline of ``SET … NX EX`` and a
        ``SET … EX`` per entry of ``also``, written as Django's own ``add`` and ``set`` write
        them, then the raw commands ``then`` adds — all in one ``MULTI`` when there are such
        (no MULTI otherwise). The keys may lie in different hash slots (one Redis,
        docs/deployment.md)."""
        client = self._cache.get_client(write=True)
        dumps = self._cache._serializer.dumps
        pipe = client.pipeline(transaction=then is not None)
        pipe.set(self.make_and_validate_key(key), dumps(value), ex=timeout, nx=True)
        for other, other_value, other_timeout in also:
            pipe.set(self.make_and_validate_key(other), dumps(other_value), ex=other_timeout)
        if then is not None:
            then(pipe)
        return bool(pipe.execute()[0])


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
    then: Callable[[Any], None] | None = None,
) -> bool:
    """``cache.add(key, value, timeout)`` and ``cache.set(k, v, t)`` for each ``(k, v, t)`` of
    ``also`` (timeouts in whole seconds, above 0): with the Redis cache in one round trip (each
    command costs ≈ 0.1 ms of redis-py's CPU, docs/performance.md), with any other one call
    each. ``then``: raw Redis commands added to the same pipeline, in one ``MULTI`` with the
    writes (only with the Redis cache; ignored with any other). Returns whether the add took. A
    cache error raises, as ``cache.add`` would."""
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
