"""A booking that ends its admission in the same step as it lowers the slot's places-left hint.

The bucket lets in no more than the slot has places for: ``room = places left − admissions in
flight`` (``stores._LUA``). A booking's commit lowers the places-left hint (its after-commit
cache writes), and the gate's ``settle`` ended the admission only after the view had answered —
so for that moment the booked place was counted twice, and an arrival could be queued although a
place was left: the place then went to the first queued ticket, whose holder learns it only when
they come back (``Retry-After``, two seconds or more; docs/performance.md, "Issue 19, eighth
session"). Inside :func:`booking_ends_admission` (the gate, around a booking POST) the booking's
after-commit writes also end the admission, in the same Redis transaction (``MULTI``) as the
hint, and ``settle`` then only feeds the adaptive rate. With the process-local store (the
embedded setup) nothing changes: ``settle`` ends the admission as before."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from madoguchi.reservations.waiting_room.bucket import bucket_keys
from madoguchi.reservations.waiting_room.conf import config
from madoguchi.reservations.waiting_room.stores import RedisAdmissionStore, default_store


@dataclass
class Ending:
    key: str  # the slot's admissions in flight (a sorted set)
    hold: float
    released: bool = False


_current: contextvars.ContextVar[Ending | None] = contextvars.ContextVar("waiting_room_ending", default=None)


@contextmanager
def booking_ends_admission(scope: str, slot: str) -> Iterator[Ending | None]:
    """Around a booking attempt that holds an admission to ``slot``: a booking committed inside
    ends it with its hint writes (:func:`release_with_hints`). Yields the ``Ending`` (its
    ``released`` says whether that happened), or None with the process-local store."""
    if not isinstance(default_store(), RedisAdmissionStore):
        yield None
        return
    ending = Ending(key=bucket_keys(scope, "", slot)[3], hold=float(config()["hold"]))
    token = _current.set(ending)
    try:
        yield ending
    finally:
        _current.reset(token)


class Release:
    """Adds the commands that end the admission to a pipeline; ``done()`` once it was sent."""

    def __init__(self, ending: Ending) -> None:
        self.ending = ending

    def __call__(self, pipe: Any) -> None:
        pipe.zremrangebyscore(self.ending.key, "-inf", time.time() - self.ending.hold)
        pipe.zpopmin(self.ending.key)

    def done(self) -> None:
        self.ending.released = True


def release_with_hints() -> Release | None:
    """For the booking's after-commit pipeline: what ends the current admission (the oldest in
    flight, as ``release``), or None outside :func:`booking_ends_admission`."""
    ending = _current.get()
    if ending is None or ending.released:
        return None
    return Release(ending)
