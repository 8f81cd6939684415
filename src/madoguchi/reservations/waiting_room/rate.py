"""The adaptive rate: booking POSTs' server time moves the admission rate.

The step is here; its state lives next to the bucket in the admission store (``stores.py``:
one Lua script for Redis, shared by every web process; ``gate.observe``/``gate.settle`` feed
it, ``gate.current_rate`` reads it)."""

from __future__ import annotations

ADAPT_INTERVAL = 0.5


def adapt_step(
    state: dict[str, float], *, seconds: float, now: float, conf: dict[str, float]
) -> dict[str, float]:
    """One observation of a booking POST's server time: an exponential moving average of it,
    and at most every ``ADAPT_INTERVAL`` seconds the admission rate moves — down by a fifth when
    the average is above the target (the slot row is a queue: people wait on it), up by a
    quarter when it is under half the target (the slot could take more) — within
    ``[1, max_rate]``. Multiplicative both ways, so it finds the slot's real capacity in a few
    seconds and follows it when the machine gets busier or quieter. The Redis store's Lua
    script (``stores.SETTLE_LUA``) is the same step."""
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
