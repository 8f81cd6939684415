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


def _round_trips(monkeypatch) -> list[list[str]]:
    """The commands sent from now on, one list per round trip (a pipeline is one)."""
    import redis.client

    sent: list[list[str]] = []
    execute, single = redis.client.Pipeline.execute, redis.client.Redis.execute_command

    def pipelined(pipe, *args, **kwargs):
        sent.append([str(command[0][0]).upper() for command in pipe.command_stack])
        return execute(pipe, *args, **kwargs)

    def alone(client, *args, **kwargs):
        sent.append([str(args[0]).upper()])
        return single(client, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", pipelined)
    monkeypatch.setattr(redis.client.Redis, "execute_command", alone)
    return sent


def test_add_and_set_is_one_round_trip_and_writes_as_add_and_set_do(monkeypatch):
    cache = _redis_cache_or_skip()
    cache.add_and_set("warm", 1, 5, [])  # the script known to the server (else NOSCRIPT, then a load)
    sent = _round_trips(monkeypatch)
    assert cache.add_and_set("gate", 1, 5, [("left", 7, 10), ("full", 1, 60)]) is True
    assert sent == [["EVALSHA"]]
    assert cache.add_and_set("gate", 2, 5, [("left", 6, 10)]) is False  # taken: the add writes nothing
    monkeypatch.undo()
    assert (cache.get("gate"), cache.get("left"), cache.get("full")) == (1, 6, 1)
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("gate")) <= 5 and 50 < client.ttl(cache.make_key("full")) <= 60
    cache.delete_many(["warm", "gate", "left", "full"])


# What Django's own add and set store, and what add_and_set stores, byte for byte.
SAMPLE_VALUES = [1, 0, -3, 2**40, True, "七", b"raw", 1.5, None, {"a": [1, "b"]}]


def test_add_and_set_stores_the_bytes_and_expiry_that_djangos_add_and_set_store():
    cache = _redis_cache_or_skip()
    client = cache._cache.get_client(write=True)
    for number, value in enumerate(SAMPLE_VALUES):
        cache.add(f"d:gate{number}", value, 30)
        cache.set(f"d:left{number}", value, 40)
        assert cache.add_and_set(f"s:gate{number}", value, 30, [(f"s:left{number}", value, 40)]) is True
        for name, ttl in ((f"gate{number}", 30), (f"left{number}", 40)):
            ours, django = cache.make_key("s:" + name), cache.make_key("d:" + name)
            assert client.get(ours) == client.get(django), value
            assert ttl - 2 <= client.ttl(ours) <= ttl and ttl - 2 <= client.ttl(django) <= ttl
        assert cache.get(f"s:gate{number}") == value
        # taken: the add neither writes nor moves its expiry, as Django's add
        assert cache.add(f"d:gate{number}", "other", 90) is False
        assert cache.add_and_set(f"s:gate{number}", "other", 90, []) is False
        assert client.get(cache.make_key(f"s:gate{number}")) == client.get(cache.make_key(f"d:gate{number}"))
        assert client.ttl(cache.make_key(f"s:gate{number}")) <= 30
    cache.delete_many([f"{side}:{name}{n}" for side in "ds" for name in ("gate", "left") for n in range(10)])


def _old_add_and_set(cache, key, value, timeout, also, then_keys=None, then_args=None, then_lua=""):
    """The pipeline add_and_set sent until the eleventh session (the same commands, in a MULTI
    when a step followed, sent by EVAL), to compare the state each leaves."""
    client = cache._cache.get_client(write=True)
    dumps = cache._cache._serializer.dumps
    pipe = client.pipeline(transaction=then_lua != "")
    pipe.set(cache.make_and_validate_key(key), dumps(value), ex=timeout, nx=True)
    for other, other_value, other_timeout in also:
        pipe.set(cache.make_and_validate_key(other), dumps(other_value), ex=other_timeout)
    if then_lua:
        pipe.execute_command("EVAL", then_lua, len(then_keys), *then_keys, *then_args)
    return bool(pipe.execute()[0])


def _state(client, keys) -> list:
    state = []
    for key in keys:
        kind = client.type(key).decode()
        if kind == "string":
            value = client.get(key)
        elif kind == "hash":
            value = sorted(client.hgetall(key).items())
        elif kind == "zset":
            value = client.zrange(key, 0, -1, withscores=True)
        else:
            value = None
        state.append((kind, value, client.ttl(key) > 0))
    return state


def test_the_script_leaves_redis_as_the_old_pipeline_did_with_the_waiting_rooms_settle():
    """The booking's after-commit writes: the notice gate, the places-left hint and the full
    flag, then the waiting room's settle (its adaptive rate fed, the oldest admission ended) —
    with the gate free and taken, with the rate fed and not."""
    from madoguchi.core.cache import LuaStep
    from madoguchi.reservations.waiting_room.bucket import AdaptConf
    from madoguchi.reservations.waiting_room.stores import SETTLE_LUA, settle_keys_and_args

    cache = _redis_cache_or_skip()
    client = cache._cache.get_client(write=True)
    adapt = AdaptConf(rate=5.0, target_ms=800, max_rate=50.0)
    for case, (gate_free, fed) in enumerate([(True, True), (False, True), (True, False), (False, False)]):
        answers, states = [], []
        for side in ("old", "new"):
            scope = f"{cache.key_prefix}{side}{case}"
            keys, args = settle_keys_and_args(
                scope=scope,
                slot="7",
                now=1_000_000.25,
                hold=30.0,
                seconds=0.125,
                ended=True,
                adapt=adapt if fed else None,
                ttl=600,
            )
            client.zadd(keys[1], {"1": 999_990.0, "2": 999_995.0, "3": 999_960.0})  # one too old
            client.hset(keys[0], mapping={"rate": "4.0", "avg": "0.5", "ts": "999999.0"})
            names = [f"{side}{case}:gate", f"{side}{case}:left", f"{side}{case}:full"]
            if not gate_free:
                cache.set(names[0], 9, 30)
            also = [(names[1], 0, 10), (names[2], 1, 60)]
            if side == "old":
                answers.append(_old_add_and_set(cache, names[0], 1, 5, also, keys, args, SETTLE_LUA))
            else:
                step = LuaStep(SETTLE_LUA, keys, args)
                answers.append(cache.add_and_set(names[0], 1, 5, also, lambda step=step: step))
            states.append(_state(client, [cache.make_key(name) for name in names] + keys))
            client.delete(*[cache.make_key(name) for name in names], *keys)
        assert answers[0] == answers[1] == gate_free
        assert states[0] == states[1]
        assert states[1][-1][1] == [(b"2", 999_995.0)]  # the too old and then the oldest gone


def test_a_step_runs_after_the_writes_on_its_own_keys_and_arguments_once_even_when_the_server_must_load_it():
    import uuid

    from madoguchi.core.cache import LuaStep

    cache = _redis_cache_or_skip()
    client = cache._cache.get_client(write=True)
    # a text the server has never seen: the first EVALSHA answers NOSCRIPT, redis-py loads it
    lua = f"""-- {uuid.uuid4().hex}
redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], redis.call('GET', ARGV[1]) .. ARGV[2])
return 'ignored'"""
    counter, seen = cache.make_key("counter"), cache.make_key("seen")
    step = LuaStep(lua, [counter, seen], [cache.make_key("left"), "!"])
    assert cache.add_and_set("gate", 1, 5, [("left", 7, 10)], lambda: step) is True
    assert client.get(counter) == b"1"  # run once
    assert client.get(seen) == b"7!"  # after the sets, with its own KEYS and ARGV
    assert cache.add_and_set("gate", 1, 5, [("left", 6, 10)], lambda: step) is False
    assert client.get(counter) == b"2" and client.get(seen) == b"6!"
    client.delete(counter, seen)
    cache.delete_many(["gate", "left"])


def test_add_and_set_raises_when_redis_is_down():
    import pytest
    import redis

    cache = RedisCache("redis://127.0.0.1:1/0", {})  # nothing listens on port 1
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.add_and_set("gate", 1, 5, [("left", 7, 10)])


def test_cache_add_and_set_with_any_cache_adds_once_and_sets_each_time():
    from django.core.cache import cache

    from madoguchi.core.cache import cache_add_and_set

    cache.delete_many(["t:gate", "t:left"])
    assert cache_add_and_set("t:gate", 1, 5, also=[("t:left", 3, 10)]) is True
    assert cache_add_and_set("t:gate", 1, 5, also=[("t:left", 2, 10)]) is False
    assert (cache.get("t:gate"), cache.get("t:left")) == (1, 2)
    cache.delete_many(["t:gate", "t:left"])


def test_the_key_check_warns_exactly_as_djangos():
    import warnings

    from django.core.cache.backends.base import BaseCache, CacheKeyWarning

    cache = make_cache()
    django = BaseCache({})
    keys = [":1:" + chr(code) + "x" for code in range(0, 300)]  # every ASCII character and some more
    keys += [
        "k" * 250,
        "k" * 251,
        "ｋ" * 250,
        "ｋ" * 251,
        "",
        ":1:django.contrib.sessions.cached_db" + "a" * 32,
    ]
    keys += ["a b", "a\tb", "a\x7fb", "予約:1", "a\u3000b", "a\x85b", "\u200bx"]
    for key in keys:
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            cache.validate_key(key)
        with warnings.catch_warnings(record=True) as djangos:
            warnings.simplefilter("always")
            django.validate_key(key)
        assert [(w.category, str(w.message)) for w in ours] == [
            (w.category, str(w.message)) for w in djangos
        ], repr(key)
        assert all(w.category is CacheKeyWarning for w in ours)
