"""Where the follow-ups' one-task-per-burst gate keeps its key (``follow_up.
application_follow_up_dispatch``): a store every web and worker process shares, or none.

* The cache, when every process shares it (Redis: ``REDIS_URL``).
* Else the broker's Redis, when the broker is Redis (a deployment with ``CELERY_BROKER_URL`` and
  no ``REDIS_URL``, as ``bench/submissions.py`` runs): the web processes queue their tasks there
  and the worker reads them from there, so it is shared too. The key lives next to Celery's own
  (``madoguchi:`` prefixed) for at most ``FOLLOW_UP_QUEUED_SECONDS``.
* Else none — a cache each process keeps to itself (locmem) cannot carry the gate: a key set by a
  web process would never be cleared by the worker's task starting, so that process would queue
  nothing for the key's lifetime and the applications it took after the task's last claim would
  wait for the sweeper (seen once in ``bench/submissions.py --follow-up during``). Then every
  submission queues its own task, as before the gate.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class GateStore(Protocol):
    def add(self, key: str, value: str, seconds: int) -> bool:
        """Set ``key`` unless it is set; True when this call set it."""

    def delete(self, key: str) -> None: ...


class _CacheStore:
    def add(self, key: str, value: str, seconds: int) -> bool:
        from django.core.cache import cache

        return bool(cache.add(key, value, seconds))

    def delete(self, key: str) -> None:
        from django.core.cache import cache

        cache.delete(key)


class _RedisStore:
    """``SET key value NX EX seconds`` / ``DEL key`` on the broker's Redis (one client per
    process; short timeouts: a broker that does not answer opens the gate, as a cache error does)."""

    PREFIX = "madoguchi:"

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def add(self, key: str, value: str, seconds: int) -> bool:
        return bool(self.client.set(self.PREFIX + key, value, nx=True, ex=seconds))

    def delete(self, key: str) -> None:
        self.client.delete(self.PREFIX + key)


_stores: dict[str, _RedisStore] = {}
_stores_lock = threading.Lock()


def follow_up_gate_store() -> GateStore | None:
    """The store the gate keeps its key in, or None when no store is shared by every process
    (``core.cache.cache_is_shared``: tests set ``CACHE_TREAT_AS_SHARED`` to let their in-process
    cache stand in)."""
    from django.conf import settings

    from madoguchi.core.cache import cache_is_shared

    if cache_is_shared():
        return _CacheStore()
    broker: Any = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not isinstance(broker, str) or not broker.startswith(_REDIS_SCHEMES):
        return None
    with _stores_lock:
        store = _stores.get(broker)
        if store is None:
            store = _stores[broker] = _RedisStore(broker)
    return store
