"""Admission control: the token bucket (both stores), fair limits on tickets, passes and clients."""

import os
import uuid

import pytest
from django.core import signing
from django.test import RequestFactory, override_settings

from madoguchi.reservations import waiting_room
from madoguchi.reservations.apps import check_waiting_room_settings
from madoguchi.reservations.waiting_room import (
    ADMITTED,
    LocalAdmissionStore,
    RedisAdmissionStore,
    address_group,
    admit,
    bucket_step,
)

RATE = override_settings(RESERVATIONS_WAITING_ROOM_RATE=2.0, RESERVATIONS_WAITING_ROOM_BURST=3)
CEILING = override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=2.0,
    RESERVATIONS_WAITING_ROOM_BURST=1,
    RESERVATIONS_WAITING_ROOM_IP_LIMIT=3,
)
# The reservation tests use Redis database 9 only (REDIS_URL when it is set to a Redis URL).
REDIS_TEST_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"


def _redis_store():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return RedisAdmissionStore(client)


@pytest.fixture(params=["local", "redis"])
def store(request):
    return LocalAdmissionStore() if request.param == "local" else _redis_store()


def _scope():
    return f"test-{uuid.uuid4().hex}"


# --------------------------------------------------------------------------- the bucket


@RATE
def test_visitors_within_the_burst_are_admitted_then_queue_in_order(store):
    scope = _scope()
    now = 1_000_000.0
    admitted = [admit(scope=scope, client=f"c{i}", now=now, store=store) for i in range(3)]
    assert all(a.admitted for a in admitted)
    queued = [admit(scope=scope, client=f"q{i}", now=now, store=store) for i in range(4)]
    assert [q.position for q in queued] == [1, 2, 3, 4]
    assert [q.ticket for q in queued] == [1, 2, 3, 4]
    assert all(not q.admitted and not q.limited for q in queued)
    assert queued[3].retry_after == 2  # 4 people / 2 per second


@RATE
def test_the_queue_is_served_first_come_first_served_as_tokens_refill(store):
    scope = _scope()
    now = 2_000_000.0
    for i in range(3):
        admit(scope=scope, client=f"early{i}", now=now, store=store)
    for name in ("a", "b", "c"):
        admit(scope=scope, client=name, now=now, store=store)
    # one second later two tokens came back: a and b are in, a newcomer queues behind c
    newcomer = admit(scope=scope, client="newcomer", now=now + 1, store=store)
    assert not newcomer.admitted and newcomer.position == 2
    assert admit(scope=scope, client="a", now=now + 1, store=store).admitted
    assert admit(scope=scope, client="b", now=now + 1, store=store).admitted
    third = admit(scope=scope, client="c", now=now + 1, store=store)
    assert not third.admitted and third.position == 1
    assert admit(scope=scope, client="c", now=now + 1.5, store=store).admitted


@RATE
def test_an_idle_bucket_refills_only_up_to_the_burst(store):
    scope = _scope()
    now = 3_000_000.0
    results = [admit(scope=scope, client=f"c{i}", now=now + 3600, store=store) for i in range(5)]
    assert [r.admitted for r in results] == [True, True, True, False, False]


def test_a_ticket_from_a_reset_bucket_is_forgotten():
    state = {"clients": {"old": 999}}
    assert bucket_step(state, client="old", address="", limit=0, now=1.0, rate=1.0, burst=1) == (
        ADMITTED,
        0,
        0,
    )


# --------------------------------------------------------------------------- as many as can still book

# a busy bucket: tokens left, but hardly any refill (admissions outpace it)
HOLD = override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=0.001,
    RESERVATIONS_WAITING_ROOM_BURST=10,
    RESERVATIONS_WAITING_ROOM_HOLD_SECONDS=60,
)


@HOLD
def test_no_more_are_let_in_than_places_left_less_those_already_let_in(store):
    scope = _scope()
    now = 4_000_000.0
    ask = {"scope": scope, "now": now, "store": store, "places": 3, "slot": "7"}
    assert all(admit(client=f"c{i}", **ask).admitted for i in range(3))
    # another slot of the same resource has its own places
    assert admit(client="e", **{**ask, "slot": "8"}).admitted
    # tokens are left, but three people are already on their way to the three places
    fourth = admit(client="d", **ask)
    assert not fourth.admitted and fourth.position == 1
    # one of the three booked: the places left (now 2) and those in flight (2) leave no room
    waiting_room.release(scope, "7", now=now + 0.1, store=store)
    assert not admit(client="d", **{**ask, "places": 2, "now": now + 0.1}).admitted
    # one was told the slot is full after all (a party of more than one took two places)
    waiting_room.release(scope, "7", now=now + 0.2, store=store)
    assert admit(client="d", **{**ask, "places": 2, "now": now + 0.2}).admitted


@HOLD
def test_an_admission_holds_its_place_back_only_for_the_hold(store):
    scope = _scope()
    now = 4_100_000.0
    ask = {"scope": scope, "store": store, "places": 1, "slot": "1"}
    assert admit(client="slow", now=now, **ask).admitted
    assert not admit(client="next", now=now + 59, **ask).admitted
    assert admit(client="next", now=now + 61, **ask).admitted  # the slow one's hold has passed


@override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=20.0,
    RESERVATIONS_WAITING_ROOM_BURST=10,
    RESERVATIONS_WAITING_ROOM_HOLD_SECONDS=60,
)
def test_on_a_quiet_day_someone_looking_at_the_last_place_does_not_make_the_next_one_wait(store):
    scope = _scope()
    now = 4_150_000.0
    ask = {"scope": scope, "store": store, "places": 1, "slot": "1"}
    assert admit(client="looking", now=now, **ask).admitted
    # a second later the bucket is full again: nobody waits, nobody is outpacing it
    assert admit(client="next", now=now + 1, **ask).admitted
    # but with two already on their way to the one place, a third waits for one of them
    third = admit(client="third", now=now + 2, **ask)
    assert not third.admitted and third.position == 1
    # both admissions end (each answered, or its hold passed): the third comes in
    waiting_room.release(scope, "1", now=now + 3, store=store)
    waiting_room.release(scope, "1", now=now + 3, store=store)
    assert admit(client="third", now=now + 3, **ask).admitted


@HOLD
def test_with_no_places_left_or_none_known_the_gate_lets_people_see_why(store):
    scope = _scope()
    now = 4_200_000.0
    full = [admit(scope=scope, client=f"f{i}", now=now, store=store, places=0, slot="1") for i in range(3)]
    unknown = [admit(scope=scope, client=f"u{i}", now=now, store=store, slot="2") for i in range(3)]
    assert all(a.admitted for a in full + unknown)


# --------------------------------------------------------------------------- one ticket per client


@RATE
def test_many_tickets_asked_by_one_client_are_one_ticket(store):
    scope = _scope()
    now = 5_000_000.0
    for i in range(3):
        admit(scope=scope, client=f"early{i}", now=now, store=store)
    asks = [
        admit(scope=scope, client="script", address="198.51.100.7", now=now, store=store) for _ in range(50)
    ]
    assert {(a.ticket, a.position) for a in asks} == {(1, 1)}
    assert admit(scope=scope, client="someone-else", now=now, store=store).position == 2


@RATE
def test_a_ticket_is_used_up_by_the_admission_it_buys(store):
    scope = _scope()
    now = 6_000_000.0
    for i in range(3):
        admit(scope=scope, client=f"early{i}", now=now, store=store)
    assert admit(scope=scope, client="shared", now=now, store=store).ticket == 1
    admit(scope=scope, client="behind", now=now, store=store)
    assert admit(scope=scope, client="shared", now=now + 0.5, store=store).admitted
    # a copy of the same client cookie in another browser goes to the back, behind "behind"
    copy = admit(scope=scope, client="shared", now=now + 0.5, store=store)
    assert not copy.admitted and copy.ticket == 3 and copy.position == 2


# --------------------------------------------------------------------------- the ceiling per address


@CEILING
def test_many_clients_from_one_address_under_the_ceiling_all_get_tickets_then_the_next_is_refused(store):
    scope = _scope()
    now = 7_000_000.0
    assert admit(scope=scope, client="first", address="203.0.113.5", now=now, store=store).admitted
    tickets = [
        admit(scope=scope, client=f"p{i}", address="203.0.113.5", now=now, store=store) for i in range(3)
    ]
    assert [t.ticket for t in tickets] == [1, 2, 3]
    refused = admit(scope=scope, client="p3", address="203.0.113.5", now=now, store=store)
    assert refused.limited and not refused.admitted and refused.ticket == 0
    assert refused.retry_after == 2  # the address's oldest ticket is 1 place from being served, min 2 s
    # the refusal took no place; other addresses and the ticket holders are unaffected
    assert admit(scope=scope, client="other", address="203.0.113.6", now=now, store=store).ticket == 4
    assert admit(scope=scope, client="p0", address="203.0.113.5", now=now, store=store).position == 1


@CEILING
def test_an_address_gets_room_again_as_its_tickets_are_served(store):
    scope = _scope()
    now = 8_000_000.0
    admit(scope=scope, client="first", address="203.0.113.5", now=now, store=store)
    for i in range(3):
        admit(scope=scope, client=f"p{i}", address="203.0.113.5", now=now, store=store)
    assert admit(scope=scope, client="late", address="203.0.113.5", now=now, store=store).limited
    later = admit(scope=scope, client="late", address="203.0.113.5", now=now + 1, store=store)  # 2 served
    assert later.position == 2 and not later.limited


@CEILING
def test_an_address_without_a_group_has_no_ceiling(store):
    scope = _scope()
    now = 9_000_000.0
    results = [admit(scope=scope, client=f"c{i}", address="", now=now, store=store) for i in range(10)]
    assert not any(r.limited for r in results)
    assert results[-1].ticket == 9


@override_settings(RESERVATIONS_WAITING_ROOM_IP_LIMIT=0)
def test_a_ceiling_of_zero_means_none(store):
    scope = _scope()
    results = [
        admit(scope=scope, client=f"c{i}", address="203.0.113.5", now=1e7, store=store) for i in range(60)
    ]
    assert not any(r.limited for r in results)


@override_settings(
    RESERVATIONS_WAITING_ROOM_IP_ALLOW=["192.0.2.0/28", " 2001:db8:1::/48", "10.1.2.3", "junk"]
)
def test_address_groups_skip_allow_listed_addresses_and_group_ipv6_by_64():
    assert address_group("192.0.2.10") == ""  # the counter terminals' range
    assert address_group("10.1.2.3") == ""
    assert address_group("::ffff:10.1.2.3") == ""
    assert address_group("192.0.2.20") == "192.0.2.20"
    assert address_group("2001:db8:1:5::9") == ""
    assert address_group("2001:db8:2:5::9") == address_group("2001:db8:2:5:ffff::1") == "2001:db8:2:5::/64"
    assert address_group("not an address") == address_group("") == ""


@override_settings(RESERVATIONS_WAITING_ROOM_IP_ALLOW=["192.0.2.0/24", "192.0.2.300", ""])
def test_a_malformed_allow_list_entry_is_a_system_check_error():
    errors = check_waiting_room_settings()
    assert [e.id for e in errors] == ["reservations.E001"]
    assert "192.0.2.300" in errors[0].msg


def test_the_client_address_is_remote_addr_or_the_proxys_last_forwarded_entry():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert waiting_room.client_address(request) == "10.0.0.2"
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):  # BEHIND_PROXY=1
        assert waiting_room.client_address(request) == "203.0.113.9"  # "1.2.3.4" was sent by the client


# --------------------------------------------------------------------------- passes and clients


def test_passes_are_signed_scoped_and_time_limited():
    value = waiting_room.pass_issue("org.res")
    assert waiting_room.pass_valid(value, "org.res")
    assert not waiting_room.pass_valid(value, "org.other")
    assert not waiting_room.pass_valid(value[:-2] + "xx", "org.res")
    assert not waiting_room.pass_valid(None, "org.res")
    with override_settings(RESERVATIONS_WAITING_ROOM_PASS_TTL=-1):
        assert not waiting_room.pass_valid(value, "org.res")


def test_client_ids_cannot_be_forged():
    value = waiting_room.client_issue("abc")
    assert waiting_room.client_read(value) == "abc"
    assert waiting_room.client_read(signing.dumps({"c": "abc"}, salt="another-salt")) == ""
    assert waiting_room.client_read(value[:-2] + "xx") == ""
    assert waiting_room.client_read(None) == ""


# --------------------------------------------------------------------------- adaptive rate

ADAPT = {"rate": 60.0, "target_ms": 200.0, "max_rate": 500.0}


def test_the_rate_goes_up_while_bookings_are_fast_and_stays_under_the_ceiling():
    state: dict = {}
    rates = []
    for step in range(40):
        state = waiting_room.adapt_step(state, seconds=0.02, now=1000 + step * 0.5, conf=ADAPT)
        rates.append(state["rate"])
    assert rates[0] == 60.0 and rates[1] == 75.0  # a quarter up per interval
    assert rates[-1] == 500.0 and max(rates) == 500.0


def test_the_rate_comes_down_when_people_wait_on_the_slot():
    state = {"rate": 300.0, "avg": 0.05, "ts": 1000.0}
    for step in range(1, 11):
        state = waiting_room.adapt_step(state, seconds=1.5, now=1000 + step * 0.5, conf=ADAPT)
    assert state["rate"] < 60  # 300 × 0.8^n once the average passed the target
    assert state["avg"] > 0.2
    for step in range(200):  # never below one admission per second
        state = waiting_room.adapt_step(state, seconds=5, now=1010 + step * 0.5, conf=ADAPT)
    assert state["rate"] == 1.0


def test_between_half_and_the_whole_target_the_rate_holds():
    state = {"rate": 120.0, "avg": 0.15, "ts": 1000.0}
    state = waiting_room.adapt_step(state, seconds=0.15, now=1001, conf=ADAPT)
    assert state["rate"] == 120.0


def test_the_rate_moves_at_most_every_half_second():
    state = {"rate": 100.0, "avg": 0.01, "ts": 1000.0}
    state = waiting_room.adapt_step(state, seconds=0.01, now=1000.1, conf=ADAPT)
    assert state["rate"] == 100.0


@override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=10,
    RESERVATIONS_WAITING_ROOM_BURST=1,
    RESERVATIONS_WAITING_ROOM_ADAPTIVE=True,
)
def test_observations_set_the_rate_admissions_use(store):
    scope = _scope()
    now = 11_000_000.0
    assert waiting_room.current_rate(scope, now=now, store=store) == 10
    for step in range(6):
        waiting_room.observe(scope, 0.01, now=now + step, store=store)
    adapted = waiting_room.current_rate(scope, now=now + 6, store=store)
    assert adapted == pytest.approx(10 * 1.25**5)  # the first observation only starts the clock
    # the queue is served at the adapted rate: 39 people ahead wait 39 / 30.5 s, not 39 / 10
    for i in range(40):
        admit(scope=scope, client=f"c{i}", now=now + 6, store=store)
    assert admit(scope=scope, client="c39", now=now + 6, store=store).retry_after == 2
    with override_settings(RESERVATIONS_WAITING_ROOM_ADAPTIVE=False):
        assert waiting_room.current_rate(scope, now=now + 6, store=store) == 10
        assert admit(scope=scope, client="c39", now=now + 6, store=store).retry_after == 4


def test_the_stores_adapt_the_rate_step_by_step_as_adapt_step_does(store):
    conf = waiting_room.AdaptConf(rate=60.0, target_ms=200.0, max_rate=500.0)
    scope = _scope()
    state: dict = {}
    timings = [0.02] * 8 + [1.5] * 12 + [0.15] * 4
    for step, seconds in enumerate(timings):
        now = 12_000_000.0 + step * 0.3  # not every observation moves the rate
        state = waiting_room.adapt_step(state, seconds=seconds, now=now, conf=ADAPT)
        store.settle(
            scope=scope, slot="", now=now, hold=0.0, seconds=seconds, ended=False, adapt=conf, ttl=60
        )
        assert store.rate(scope=scope, base=60.0, now=now) == pytest.approx(state["rate"])


@HOLD
def test_one_settle_records_the_time_and_ends_the_admission(store, settings):
    settings.RESERVATIONS_WAITING_ROOM_ADAPTIVE = True
    scope = _scope()
    now = 13_000_000.0
    ask = {"scope": scope, "now": now, "store": store, "places": 2, "slot": "3"}
    assert admit(client="a", **ask).admitted and admit(client="b", **ask).admitted  # 2 on their way
    assert not admit(client="c", **ask).admitted
    waiting_room.settle(scope, "3", seconds=0.01, ended=False, now=now, store=store)  # a form error
    assert not admit(client="c", **ask).admitted
    waiting_room.settle(scope, "3", seconds=0.01, ended=True, now=now, store=store)  # booked
    assert admit(client="c", **ask).admitted
    assert waiting_room.current_rate(scope, now=now, store=store) == 0.001  # timed, not yet moved


# --------------------------------------------------------------------------- what the cache says of the slot


def _put_hint(store, key, value):
    """Write a slot hint where the store reads it: for Redis as Django's Redis cache writes it."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisSerializer

    if isinstance(store, RedisAdmissionStore):
        store.client.set(cache.make_key(key), RedisSerializer().dumps(value), ex=60)
    else:
        cache.set(key, value, 60)


def _hints(slot, *, stop_if_full=True, reads=None):
    def read_places():
        if reads is None:
            raise AssertionError("the places were in the cache")
        reads.append(slot)
        return reads_value[0]

    reads_value = [4]
    hints = waiting_room.SlotHints(
        full_key=f"test:full:{slot}",
        places_key=f"test:left:{slot}",
        read_places=read_places,
        stop_if_full=stop_if_full,
    )
    return hints


SLOW_BURST = override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=0.001,
    RESERVATIONS_WAITING_ROOM_BURST=1,
    RESERVATIONS_WAITING_ROOM_MAX_BURST=3,
)


@SLOW_BURST
def test_a_full_flag_answers_full_and_takes_nothing_but_only_when_asked_to_stop(store):
    scope, slot = _scope(), uuid.uuid4().hex
    now = 14_000_000.0
    _put_hint(store, f"test:full:{slot}", 1)
    _put_hint(store, f"test:left:{slot}", 0)
    answer = admit(scope=scope, client="a", now=now, store=store, slot=slot, hints=_hints(slot))
    assert answer.full and not answer.admitted
    # nothing was taken: the one token is still there for a POST (which does not stop)
    post = admit(
        scope=scope, client="a", now=now, store=store, slot=slot, hints=_hints(slot, stop_if_full=False)
    )
    assert post.admitted and not post.full
    assert not admit(
        scope=scope, client="b", now=now, store=store, slot=slot, hints=_hints(slot, stop_if_full=False)
    ).admitted


@SLOW_BURST
def test_the_places_hint_sets_the_burst_and_the_cap_as_places_would(store):
    scope, slot = _scope(), uuid.uuid4().hex
    now = 15_000_000.0
    _put_hint(store, f"test:left:{slot}", 2)
    answers = [
        admit(scope=scope, client=f"c{i}", now=now, store=store, slot=slot, hints=_hints(slot))
        for i in range(3)
    ]
    assert [a.admitted for a in answers] == [True, True, False]  # burst max(1, min(2, 3)); 2 in flight
    # the same with the places given, in another scope: the same answers
    other = _scope()
    given = [admit(scope=other, client=f"c{i}", now=now, store=store, slot=slot, places=2) for i in range(3)]
    assert [a.admitted for a in given] == [True, True, False]


@SLOW_BURST
def test_no_such_slot_in_the_hint_is_places_unknown(store):
    scope, slot = _scope(), uuid.uuid4().hex
    _put_hint(store, f"test:left:{slot}", -1)
    answers = [
        admit(scope=scope, client=f"c{i}", now=16_000_000.0, store=store, slot=slot, hints=_hints(slot))
        for i in range(2)
    ]
    assert [a.admitted for a in answers] == [True, False]  # the configured burst of one


@SLOW_BURST
def test_with_no_places_in_the_cache_the_store_asks_for_them_once_and_uses_them(store):
    scope, slot = _scope(), uuid.uuid4().hex
    reads: list = []
    hints = _hints(slot, reads=reads)  # reads 4 places
    answers = [
        admit(scope=scope, client=f"c{i}", now=17_000_000.0, store=store, slot=slot, hints=hints)
        for i in range(4)
    ]
    assert [a.admitted for a in answers] == [True, True, True, False]  # burst max(1, min(4, 3))
    assert len(reads) == 4  # this test's read_places does not remember them; slot_places_read does
