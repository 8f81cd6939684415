"""The Redis cache backend keeps one client per connection pool (core/cache.py)."""

from __future__ import annotations

import threading

from madoguchi.core.cache import RedisCache


def make_cache() -> RedisCache:
    # Building clients and pools connects to nothing: no Redis server is needed here.
    return RedisCache("redis://127.0.0.1:6379/14", {})


def test_every_operation_gets_the_same_client_for_the_same_pool():
    cache = make_cache()
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("c", write=True) is client  # one server: one pool for both
    assert client.connection_pool is cache._cache._pools[0]


def test_the_client_is_built_once_however_many_threads_ask():
    cache = make_cache()
    seen: list[object] = []
    barrier = threading.Barrier(8)

    def ask() -> None:
        barrier.wait()
        for _ in range(50):
            seen.append(cache._cache.get_client("k"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 400
    assert len({id(client) for client in seen}) == 1
    assert seen[0].connection_pool is cache._cache._pools[0]


def test_separate_caches_do_not_share_clients():
    first, second = make_cache(), make_cache()
    assert first._cache.get_client("k") is not second._cache.get_client("k")


def test_only_a_cache_every_process_sees_counts_as_shared(settings):
    from madoguchi.core.cache import cache_is_shared

    settings.CACHES = {"default": {"BACKEND": "madoguchi.core.cache.RedisCache", "LOCATION": "redis://x/1"}}
    assert cache_is_shared()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not cache_is_shared()
    settings.CACHE_TREAT_AS_SHARED = True
    assert cache_is_shared()
