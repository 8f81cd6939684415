"""Admission control: the token bucket (both stores), passes, tickets and the gate."""

import uuid

import pytest
from django.core import signing
from django.test import override_settings

from madoguchi.reservations import waiting_room
from madoguchi.reservations.waiting_room import LocalAdmissionStore, RedisAdmissionStore, admit

RATE = override_settings(RESERVATIONS_WAITING_ROOM_RATE=2.0, RESERVATIONS_WAITING_ROOM_BURST=3)


def _redis_store():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/3")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return RedisAdmissionStore(client)


@pytest.fixture(params=["local", "redis"])
def store(request):
    return LocalAdmissionStore() if request.param == "local" else _redis_store()


@RATE
def test_visitors_within_the_burst_are_admitted_then_queue_in_order(store):
    scope = f"test-{uuid.uuid4().hex}"
    now = 1_000_000.0
    admitted = [admit(scope=scope, now=now, store=store) for _ in range(3)]
    assert all(a.admitted for a in admitted)
    queued = [admit(scope=scope, now=now, store=store) for _ in range(4)]
    assert [q.position for q in queued] == [1, 2, 3, 4]
    assert [q.ticket for q in queued] == [1, 2, 3, 4]
    assert all(not q.admitted for q in queued)
    assert queued[3].retry_after == 2  # 4 people / 2 per second


@RATE
def test_the_queue_is_served_first_come_first_served_as_tokens_refill(store):
    scope = f"test-{uuid.uuid4().hex}"
    now = 2_000_000.0
    for _ in range(3):
        admit(scope=scope, now=now, store=store)
    tickets = [admit(scope=scope, now=now, store=store).ticket for _ in range(3)]
    # one second later two tokens came back: tickets 1 and 2 are in, a newcomer queues behind 3
    newcomer = admit(scope=scope, now=now + 1, store=store)
    assert not newcomer.admitted and newcomer.position == 2
    assert admit(scope=scope, ticket=tickets[0], now=now + 1, store=store).admitted
    assert admit(scope=scope, ticket=tickets[1], now=now + 1, store=store).admitted
    third = admit(scope=scope, ticket=tickets[2], now=now + 1, store=store)
    assert not third.admitted and third.position == 1
    assert admit(scope=scope, ticket=tickets[2], now=now + 1.5, store=store).admitted


@RATE
def test_an_idle_bucket_refills_only_up_to_the_burst(store):
    scope = f"test-{uuid.uuid4().hex}"
    now = 3_000_000.0
    results = [admit(scope=scope, now=now + 3600, store=store) for _ in range(5)]
    assert [r.admitted for r in results] == [True, True, True, False, False]


@RATE
def test_a_ticket_from_a_reset_bucket_draws_a_new_ticket(store):
    scope = f"test-{uuid.uuid4().hex}"
    result = admit(scope=scope, ticket=999, now=4_000_000.0, store=store)
    assert result.admitted and result.ticket == 0


def test_passes_are_signed_scoped_and_time_limited():
    value = waiting_room.pass_issue("org.res")
    assert waiting_room.pass_valid(value, "org.res")
    assert not waiting_room.pass_valid(value, "org.other")
    assert not waiting_room.pass_valid(value[:-2] + "xx", "org.res")
    assert not waiting_room.pass_valid(None, "org.res")
    with override_settings(RESERVATIONS_WAITING_ROOM_PASS_TTL=-1):
        assert not waiting_room.pass_valid(value, "org.res")


def test_tickets_cannot_be_forged():
    value = waiting_room.ticket_issue("org.res", 42)
    assert waiting_room.ticket_read(value, "org.res") == 42
    forged = signing.dumps({"s": "org.res", "t": 1}, salt="another-salt")
    assert waiting_room.ticket_read(forged, "org.res") == 0
