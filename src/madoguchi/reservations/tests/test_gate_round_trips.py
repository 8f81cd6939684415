"""How many times the booking pages talk to Redis (docs/performance.md, "Issue 19, seventh
session"): in an opening rush every command is a round trip and ≈ 0.1 ms of redis-py's CPU.
The waiting room is asked once per request, and a booking POST settles with it once.

Only with the Redis cache (``REDIS_URL``); the session's own reads and writes are not counted
(``cached_db``: the session is not the waiting room's), nor the notice task's broker."""

import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from madoguchi.core.testing import make_slot, make_user
from madoguchi.reservations.selectors import full_flag_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _redis_cache_only():
    if not hasattr(getattr(cache, "_cache", None), "get_client"):
        pytest.skip("round trips are counted with the Redis cache (REDIS_URL)")


class RedisCommands:
    """The Redis commands sent while entered, by name (a pipeline counts as one round trip)."""

    def __init__(self, monkeypatch):
        import redis.client

        self.trips: list[list[str]] = []
        single, pipelined = redis.client.Redis.execute_command, redis.client.Pipeline.execute
        commands = self

        def execute_command(client, *args, **options):
            if not _is_session(args):
                commands.trips.append([str(args[0]).upper()])
            return single(client, *args, **options)

        def execute(pipe, *args, **kwargs):
            sent = [
                command[0] if isinstance(command, tuple) else command.args for command in pipe.command_stack
            ]
            if sent:
                commands.trips.append([str(command[0]).upper() for command in sent])
            return pipelined(pipe, *args, **kwargs)

        monkeypatch.setattr(redis.client.Redis, "execute_command", execute_command)
        monkeypatch.setattr(redis.client.Pipeline, "execute", execute)

    def names(self) -> Counter[str]:
        return Counter(name for trip in self.trips for name in trip)


def _is_session(args) -> bool:
    return len(args) > 1 and bool(re.search(r"sessions\.cached_db", str(args[1])))


def _book_url(slot):
    r = slot.resource
    return reverse("reservations:booking_new", args=[r.organization.slug, r.slug, slot.pk])


@pytest.fixture
def no_notice_task(monkeypatch):
    """The notice task's own Redis use (the broker, the gate it clears) is not the request's."""
    from madoguchi.reservations import tasks

    monkeypatch.setattr(tasks.booking_notice_task, "delay", lambda *args, **kwargs: None)


@pytest.fixture(autouse=True)
def _after_commit_scripts_known(_redis_cache_only):
    """The booking's after-commit script (with and without the waiting room's step) loaded, as
    after a server's first booking: a Redis that does not know it yet answers ``NOSCRIPT`` once,
    and redis-py loads it (two round trips more, once per server)."""
    from madoguchi.reservations.waiting_room.stores import SETTLE_LUA

    client = cache._cache.get_client(write=True)
    for lua in ("", SETTLE_LUA):
        client.script_load(cache.add_and_set_script(lua).script)


@override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=0.01,
    RESERVATIONS_WAITING_ROOM_BURST=0,
    RESERVATIONS_WAITING_ROOM_MAX_BURST=0,
)
def test_a_new_visitor_in_the_queue_costs_one_round_trip(monkeypatch):
    slot = make_slot()
    Client().get(_book_url(slot))  # the places left are read once and remembered
    commands = RedisCommands(monkeypatch)
    page = Client().get(_book_url(slot))
    assert page["X-Reservation-Outcome"].startswith("queued")
    assert commands.trips == [["EVALSHA"]]


def test_a_full_slot_costs_one_round_trip_with_or_without_a_pass(monkeypatch):
    slot = make_slot()
    person = Client()
    person.force_login(make_user())
    assert person.get(_book_url(slot)).status_code == 200  # now holds a pass
    cache.set(full_flag_key(slot.pk), 1, 60)
    commands = RedisCommands(monkeypatch)
    assert Client().get(_book_url(slot))["X-Reservation-Outcome"] == "full"
    assert commands.trips == [["EVALSHA"]]  # the flag read with the admission, nothing taken
    commands.trips.clear()
    assert person.get(_book_url(slot))["X-Reservation-Outcome"] == "full"
    assert commands.trips == [["GET"]]  # a pass: only the flag


def test_the_booking_form_asks_the_waiting_room_once(monkeypatch):
    slot = make_slot()
    person = Client()
    person.force_login(make_user())
    Client().get(_book_url(slot))  # the places left are read once and remembered
    commands = RedisCommands(monkeypatch)
    assert person.get(_book_url(slot)).status_code == 200
    assert commands.trips == [["EVALSHA"]]  # full flag, places left, adapted rate and admission


def test_a_booking_post_settles_once_and_writes_its_hints_once(
    monkeypatch, no_notice_task, django_capture_on_commit_callbacks
):
    slot = make_slot(capacity=5)
    person = Client()
    person.force_login(make_user())
    form = person.get(_book_url(slot)).content.decode()
    key = form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    commands = RedisCommands(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        booked = person.post(_book_url(slot), {"party_size": "1", "idempotency_key": key})
    assert booked["X-Reservation-Outcome"] == "booked"
    # after the commit the notice gate with the places left (one script), after the view one
    # settle (here the captured commit hooks run last)
    assert commands.trips == [["EVALSHA"], ["EVALSHA"]]


@pytest.mark.django_db(transaction=True)  # the booking commits, so its after-commit writes run in the view
def test_a_booking_ends_its_admission_in_the_same_redis_transaction_as_its_places_hint(
    monkeypatch, no_notice_task
):
    """No moment where the booked place counts twice (places left already lowered, the
    admission still in flight): an arrival then would be queued with a place free, and the place
    would wait for a queued person to come back (docs/performance.md, "Issue 19, eighth
    session"). The same script (a MULTI until the eleventh session) feeds the adaptive rate, so
    the gate settles nothing afterwards and no second admission ends (ninth session)."""
    from madoguchi.reservations import waiting_room
    from madoguchi.reservations.selectors import places_hint_key
    from madoguchi.reservations.views.gate import gate_scope

    slot = make_slot(capacity=5)
    first, second = Client(), Client()
    first.force_login(make_user())
    second.force_login(make_user())
    form = first.get(_book_url(slot)).content.decode()
    assert second.get(_book_url(slot)).status_code == 200  # two admissions in flight
    r = slot.resource
    in_flight = waiting_room.bucket_keys(gate_scope(r.organization.slug, r.slug), "", str(slot.pk))[3]
    redis = cache._cache.get_client(write=True)
    assert redis.zcard(in_flight) == 2
    at_settle = []
    settle = waiting_room.settle

    def seen(*args, **kwargs):
        at_settle.append((redis.zcard(in_flight), cache.get(places_hint_key(slot.pk))))
        return settle(*args, **kwargs)

    monkeypatch.setattr(waiting_room, "settle", seen)
    key = form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    commands = RedisCommands(monkeypatch)
    booked = first.post(_book_url(slot), {"party_size": "1", "idempotency_key": key})
    assert booked["X-Reservation-Outcome"] == "booked"
    assert at_settle == []  # nothing left for the gate's settle
    # one script: the notice gate, the hints, then the settle; no other round trip of the room's
    assert commands.trips == [["EVALSHA"]]
    assert redis.zcard(in_flight) == 1  # the second person's admission still holds its place
    assert cache.get(places_hint_key(slot.pk)) == 4
    adapted = redis.hgetall(waiting_room.adapt_key(gate_scope(r.organization.slug, r.slug)))
    assert float(adapted[b"avg"]) > 0  # the attempt's server time was observed


@pytest.mark.django_db(transaction=True)
@override_settings(RESERVATIONS_WAITING_ROOM_ADAPTIVE=False)
def test_with_the_adaptive_rate_off_a_booking_only_ends_its_admission(monkeypatch, no_notice_task):
    from madoguchi.reservations import waiting_room
    from madoguchi.reservations.views.gate import gate_scope

    slot = make_slot(capacity=5)
    person = Client()
    person.force_login(make_user())
    form = person.get(_book_url(slot)).content.decode()
    r = slot.resource
    scope = gate_scope(r.organization.slug, r.slug)
    in_flight = waiting_room.bucket_keys(scope, "", str(slot.pk))[3]
    redis = cache._cache.get_client(write=True)
    assert redis.zcard(in_flight) == 1
    key = form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    commands = RedisCommands(monkeypatch)
    booked = person.post(_book_url(slot), {"party_size": "1", "idempotency_key": key})
    assert booked["X-Reservation-Outcome"] == "booked"
    assert commands.trips == [["EVALSHA"]]
    assert redis.zcard(in_flight) == 0
    assert not redis.exists(waiting_room.adapt_key(scope))


@pytest.mark.django_db(transaction=True)
def test_a_post_that_does_not_book_still_settles_after_the_view(monkeypatch, no_notice_task):
    """A refused attempt (here: the person has booked this slot already) commits nothing: the
    gate settles it after the view, as before (its time; the admission is not ended)."""
    from madoguchi.reservations import waiting_room
    from madoguchi.reservations.views.gate import gate_scope

    slot = make_slot(capacity=5)
    person = Client()
    person.force_login(make_user())
    form = person.get(_book_url(slot)).content.decode()
    key = form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    assert person.post(_book_url(slot), {"party_size": "1", "idempotency_key": key}).status_code == 302
    form = person.get(_book_url(slot)).content.decode()
    other = form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    r = slot.resource
    in_flight = waiting_room.bucket_keys(gate_scope(r.organization.slug, r.slug), "", str(slot.pk))[3]
    redis = cache._cache.get_client(write=True)
    before = redis.zcard(in_flight)
    commands = RedisCommands(monkeypatch)
    again = person.post(_book_url(slot), {"party_size": "1", "idempotency_key": other})
    assert "X-Reservation-Outcome" not in again or again["X-Reservation-Outcome"] != "booked"
    assert commands.trips == [["EVALSHA"]]  # the gate's settle, after the view
    assert redis.zcard(in_flight) == before  # not ended: the person may correct and retry
