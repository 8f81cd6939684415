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


# ---------------------------------------------------------------- an add and some sets at once


def _redis_cache_or_skip() -> RedisCache:
    import os
    import uuid

    import pytest
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"
    cache = RedisCache(url, {"KEY_PREFIX": f"t{uuid.uuid4().hex[:8]}"})
    try:
        cache._cache.get_client(write=True).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running")
    return cache


def test_add_and_set_is_one_round_trip_and_writes_as_add_and_set_do(monkeypatch):
    import redis.client

    cache = _redis_cache_or_skip()
    sent: list[int] = []  # commands per round trip
    execute, single = redis.client.Pipeline.execute, redis.client.Redis.execute_command

    def pipelined(pipe, *args, **kwargs):
        sent.append(len(pipe.command_stack))
        return execute(pipe, *args, **kwargs)

    def alone(client, *args, **kwargs):
        sent.append(1)
        return single(client, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", pipelined)
    monkeypatch.setattr(redis.client.Redis, "execute_command", alone)
    assert cache.add_and_set("gate", 1, 5, [("left", 7, 10), ("full", 1, 60)]) is True
    assert sent == [3]
    assert cache.add_and_set("gate", 2, 5, [("left", 6, 10)]) is False  # taken: the add writes nothing
    monkeypatch.undo()
    assert (cache.get("gate"), cache.get("left"), cache.get("full")) == (1, 6, 1)
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("gate")) <= 5 and 50 < client.ttl(cache.make_key("full")) <= 60
    cache.delete_many(["gate", "left", "full"])


def test_cache_add_and_set_with_any_cache_adds_once_and_sets_each_time():
    from django.core.cache import cache

    from madoguchi.core.cache import cache_add_and_set

    cache.delete_many(["t:gate", "t:left"])
    assert cache_add_and_set("t:gate", 1, 5, also=[("t:left", 3, 10)]) is True
    assert cache_add_and_set("t:gate", 1, 5, also=[("t:left", 2, 10)]) is False
    assert (cache.get("t:gate"), cache.get("t:left")) == (1, 2)
    cache.delete_many(["t:gate", "t:left"])
