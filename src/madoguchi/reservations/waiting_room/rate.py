"""The adaptive rate: booking POSTs' server time moves the admission rate (shared through the cache)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from madoguchi.reservations.waiting_room.bucket import BUCKET_TTL, KEY_PREFIX
from madoguchi.reservations.waiting_room.conf import config


def _adapt_key(scope: str) -> str:
    return f"{KEY_PREFIX}{{{scope}}}:adapt"


def adapt_step(
    state: dict[str, float], *, seconds: float, now: float, conf: dict[str, float]
) -> dict[str, float]:
    """One observation of a booking POST's server time: an exponential moving average of it,
    and at most every ``ADAPT_INTERVAL`` seconds the admission rate moves — down by a fifth when
    the average is above the target (the slot row is a queue: people wait on it), up by a
    quarter when it is under half the target (the slot could take more) — within
    ``[1, max_rate]``. Multiplicative both ways, so it finds the slot's real capacity in a few
    seconds and follows it when the machine gets busier or quieter."""
    rate = float(state.get("rate", conf["rate"]))
    average = float(state.get("avg", seconds))
    average = 0.8 * average + 0.2 * seconds
    last = float(state.get("ts", now))
    if now - last >= ADAPT_INTERVAL:
        target = conf["target_ms"] / 1000
        if average > target:
            rate = max(1.0, rate * 0.8)
        elif average < target / 2:
            rate = min(conf["max_rate"], rate * 1.25)
        last = now
    return {"rate": rate, "avg": average, "ts": last}


ADAPT_INTERVAL = 0.5


def observe(scope: str, seconds: float, *, now: float | None = None) -> None:
    """Feed the server time of a POST that passed the gate (a booking attempt) to the rate
    controller of ``scope``. Shared through the cache, so every web process adapts the same
    rate; a lost update between two processes only delays the next step."""
    conf = config()
    if not (settings.RESERVATIONS_WAITING_ROOM_ENABLED and conf["adaptive"]):
        return
    key = _adapt_key(scope)
    state = cache.get(key) or {}
    cache.set(
        key,
        adapt_step(state, seconds=seconds, now=time.time() if now is None else now, conf=conf),
        BUCKET_TTL,
    )


def current_rate(scope: str) -> float:
    """Admissions per second for ``scope``: the adapted rate, or the configured one."""
    conf = config()
    if not conf["adaptive"]:
        return conf["rate"]
    state = cache.get(_adapt_key(scope))
    return float(state["rate"]) if state else conf["rate"]
