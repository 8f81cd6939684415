"""A booking that ends its admission in the same step as it lowers the slot's places-left hint.

The bucket lets in no more than the slot has places for: ``room = places left − admissions in
flight`` (``stores._LUA``). A booking's commit lowers the places-left hint (its after-commit
cache writes), and the gate's ``settle`` ended the admission only after the view had answered —
so for that moment the booked place was counted twice, and an arrival could be queued although a
place was left: the place then went to the first queued ticket, whose holder learns it only when
they come back (``Retry-After``, two seconds or more; docs/performance.md, "Issue 19, eighth
session"). Inside :func:`booking_ends_admission` (the gate, around a booking POST) the booking's
after-commit writes also end the admission, in the same Redis script as the hint (one
``EVALSHA``: ``core.cache.cache_add_and_set`` with ``SETTLE_LUA`` as its step; a ``MULTI`` until
the eleventh session). The same script also feeds the adaptive rate with the attempt's server
time until its commit, so the gate has nothing left to settle after such a booking: one round
trip fewer per booking POST (docs/performance.md, "Issue 19, ninth session"). A Redis that
restarted without the script answers ``NOSCRIPT``, and redis-py loads it and sends it again. With the process-local
store (the embedded setup) nothing changes: ``settle`` ends the admission as before."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

from madoguchi.core.cache import LuaStep
from madoguchi.reservations.waiting_room.bucket import BUCKET_TTL, AdaptConf
from madoguchi.reservations.waiting_room.conf import config
from madoguchi.reservations.waiting_room.stores import (
    SETTLE_LUA,
    RedisAdmissionStore,
    default_store,
    settle_keys_and_args,
)


@dataclass
class Ending:
    scope: str
    slot: str
    hold: float
    started: float  # time.perf_counter() when the attempt began
    adapt: AdaptConf | None  # feed the adaptive rate (None: it is off)
    released: bool = False


_current: contextvars.ContextVar[Ending | None] = contextvars.ContextVar("waiting_room_ending", default=None)


@contextmanager
def booking_ends_admission(scope: str, slot: str, *, started: float) -> Iterator[Ending | None]:
    """Around a booking attempt that holds an admission to ``slot`` (begun at ``started``, a
    ``time.perf_counter()``): a booking committed inside ends it with its hint writes and feeds
    the adaptive rate (:func:`release_with_hints`). Yields the ``Ending`` (its ``released``
    says whether that happened: then the gate settles nothing more), or None with the
    process-local store."""
    if not isinstance(default_store(), RedisAdmissionStore):
        yield None
        return
    conf = config()
    adapt = None
    if conf["adaptive"] and settings.RESERVATIONS_WAITING_ROOM_ENABLED:  # as gate.settle decides
        adapt = AdaptConf(rate=conf["rate"], target_ms=conf["target_ms"], max_rate=conf["max_rate"])
    ending = Ending(scope=scope, slot=slot, hold=float(conf["hold"]), started=started, adapt=adapt)
    token = _current.set(ending)
    try:
        yield ending
    finally:
        _current.reset(token)


class Release:
    """The step that ends the admission, for the after-commit script: ``SETTLE_LUA`` with its
    keys and arguments as of the call (``core.cache.LuaStep``); ``done()`` once it was sent."""

    def __init__(self, ending: Ending) -> None:
        self.ending = ending

    def __call__(self) -> LuaStep:
        ending = self.ending
        keys, args = settle_keys_and_args(
            scope=ending.scope,
            slot=ending.slot,
            now=time.time(),
            hold=ending.hold,
            seconds=time.perf_counter() - ending.started,
            ended=True,
            adapt=ending.adapt,
            ttl=BUCKET_TTL,
        )
        return LuaStep(SETTLE_LUA, keys, args)

    def done(self) -> None:
        self.ending.released = True


def release_with_hints() -> Release | None:
    """For the booking's after-commit script: what ends the current admission (the oldest in
    flight, as ``release``) and feeds the adaptive rate (as ``observe``), or None outside
    :func:`booking_ends_admission`."""
    ending = _current.get()
    if ending is None or ending.released:
        return None
    return Release(ending)
