"""The one-task-per-burst gate keeps its key in a store every web and worker process shares:
the cache when it is shared, else the broker's Redis, else none (every submission queues)."""

from unittest import mock

import pytest

from madoguchi.applications.services import (
    application_follow_up_dispatch,
    follow_up_gate,
    follow_up_task_started,
)
from madoguchi.applications.services.follow_up import FOLLOW_UP_QUEUED_KEY, FOLLOW_UP_QUEUED_SECONDS

LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class FakeRedis:
    """What the gate asks of Redis: SET NX EX and DEL."""

    def __init__(self):
        self.keys = {}
        self.expiry = {}

    def set(self, key, value, nx=False, ex=None):
        if nx and key in self.keys:
            return None
        self.keys[key], self.expiry[key] = value, ex
        return True

    def delete(self, key):
        self.keys.pop(key, None)


@pytest.fixture
def broker_redis(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = LOCAL
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/9"
    fake = FakeRedis()
    follow_up_gate._stores.clear()
    with mock.patch("redis.Redis.from_url", return_value=fake) as made:
        yield fake, made
    follow_up_gate._stores.clear()


def test_with_a_process_local_cache_and_a_redis_broker_the_broker_carries_the_gate(broker_redis):
    fake, made = broker_redis
    with mock.patch("madoguchi.applications.tasks.application_follow_up_task.apply_async") as queued:
        for n in range(4):
            application_follow_up_dispatch(f"app-{n}")
        assert queued.call_count == 1  # a task queued and not started takes the others too
        assert fake.keys == {"madoguchi:" + FOLLOW_UP_QUEUED_KEY: "app-0"}
        assert fake.expiry["madoguchi:" + FOLLOW_UP_QUEUED_KEY] == FOLLOW_UP_QUEUED_SECONDS
        follow_up_task_started()  # the worker's task starts: the next submission queues again
        assert fake.keys == {}
        application_follow_up_dispatch("app-4")
        assert queued.call_count == 2
    made.assert_called_once()  # one client per process


def test_a_broker_redis_that_does_not_answer_opens_the_gate(broker_redis, caplog):
    fake, _made = broker_redis
    with (
        mock.patch.object(fake, "set", side_effect=ConnectionError("redis down")),
        mock.patch("madoguchi.applications.tasks.application_follow_up_task.apply_async") as queued,
    ):
        application_follow_up_dispatch("app-1")
        application_follow_up_dispatch("app-2")
    assert queued.call_count == 2
    assert "follow-up gate unavailable" in caplog.text
    with mock.patch.object(fake, "delete", side_effect=ConnectionError("redis down")):
        follow_up_task_started()  # only logs: the key expires by itself
    assert "could not clear the follow-up gate" in caplog.text


def test_which_store_carries_the_gate(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}
    }
    assert isinstance(follow_up_gate.follow_up_gate_store(), follow_up_gate._CacheStore)
    settings.CACHES = LOCAL
    settings.CELERY_BROKER_URL = "memory://"
    assert follow_up_gate.follow_up_gate_store() is None
    settings.CELERY_BROKER_URL = "amqp://guest@localhost//"
    assert follow_up_gate.follow_up_gate_store() is None
