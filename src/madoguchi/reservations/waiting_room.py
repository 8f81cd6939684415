"""Admission control (waiting room) for first-come openings.

A token bucket per scope (e.g. one resource) lives in the shared cache. Tokens refill at
``RESERVATIONS_WAITING_ROOM_RATE`` per second up to ``RESERVATIONS_WAITING_ROOM_BURST``.
A visitor without a pass takes a token when nobody is queued; otherwise they draw a ticket
and wait. Refilled tokens serve the queue in ticket order first (first come, first served),
so the queue position shown is honest and the retry time is ``position / rate``.

Admitted visitors get a signed, time-limited pass (``django.core.signing``) in a cookie;
queued visitors get a signed ticket in a cookie so a refresh keeps their place.

Two stores implement the bucket: Redis (one Lua script, atomic across all app servers) and
a process-local store for the embedded/dev setup (locmem cache). A contract test runs the
same checks against both.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core import signing
from django.core.cache import cache

PASS_COOKIE = "mdg_wr_pass"
TICKET_COOKIE = "mdg_wr_ticket"
_PASS_SALT = "madoguchi.reservations.waiting-room.pass"
_TICKET_SALT = "madoguchi.reservations.waiting-room.ticket"
KEY_PREFIX = "resv:wr:"


@dataclass(frozen=True)
class Admission:
    admitted: bool
    ticket: int  # 0 when admitted straight away
    position: int  # people ahead, including you (0 when admitted)
    retry_after: int  # seconds until trying again is worthwhile


class AdmissionStore(Protocol):
    def take(
        self, *, key: str, ticket: int, now: float, rate: float, burst: int, ttl: int
    ) -> tuple[int, int, int]:
        """Atomically refill, serve the queue and admit or enqueue. Returns (admitted, ticket, position)."""


# --------------------------------------------------------------------------- the algorithm


def bucket_step(
    state: dict[str, float], *, ticket: int, now: float, rate: float, burst: int
) -> tuple[dict[str, float], tuple[int, int, int]]:
    """One atomic step over the bucket state; the Lua script below is the same algorithm."""
    tokens = state.get("tokens", float(burst))
    ts = state.get("ts", now)
    issued = int(state.get("issued", 0))
    served = int(state.get("served", 0))
    if ticket > issued:  # the bucket was reset (expired) since this ticket was drawn
        ticket = 0
    if now > ts:
        tokens += (now - ts) * rate
        ts = now
    waiting = issued - served
    if waiting > 0 and tokens >= 1:
        n = min(waiting, math.floor(tokens))
        served += n
        tokens -= n
    tokens = min(tokens, float(burst))
    if ticket > 0:
        result = (1, ticket, 0) if ticket <= served else (0, ticket, ticket - served)
    elif issued == served and tokens >= 1:
        tokens -= 1
        result = (1, 0, 0)
    else:
        issued += 1
        result = (0, issued, issued - served)
    return {"tokens": tokens, "ts": ts, "issued": issued, "served": served}, result


_LUA = """
local key = KEYS[1]
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local ticket = tonumber(ARGV[4]); local ttl = tonumber(ARGV[5])
local s = redis.call('HMGET', key, 'tokens', 'ts', 'issued', 'served')
local tokens = tonumber(s[1]) or burst
local ts = tonumber(s[2]) or now
local issued = tonumber(s[3]) or 0
local served = tonumber(s[4]) or 0
if ticket > issued then ticket = 0 end
if now > ts then tokens = tokens + (now - ts) * rate; ts = now end
local waiting = issued - served
if waiting > 0 and tokens >= 1 then
  local n = math.min(waiting, math.floor(tokens))
  served = served + n; tokens = tokens - n
end
if tokens > burst then tokens = burst end
local admitted = 0; local position = 0
if ticket > 0 then
  if ticket <= served then admitted = 1 else position = ticket - served end
elseif issued == served and tokens >= 1 then
  tokens = tokens - 1; admitted = 1
else
  issued = issued + 1; ticket = issued; position = issued - served
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(ts), 'issued', issued, 'served', served)
redis.call('EXPIRE', key, ttl)
return {admitted, ticket, position}
"""


class RedisAdmissionStore:
    """The bucket as a Redis hash, changed by one Lua script (atomic for all app servers)."""

    def __init__(self, client):
        self.client = client
        self.script = client.register_script(_LUA)

    def take(self, *, key, ticket, now, rate, burst, ttl):
        admitted, ticket, position = self.script(keys=[key], args=[repr(now), repr(rate), burst, ticket, ttl])
        return int(admitted), int(ticket), int(position)


class LocalAdmissionStore:
    """The bucket in process memory, for the embedded setup (locmem cache is per process too)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.states: dict[str, tuple[float, dict[str, float]]] = {}

    def take(self, *, key, ticket, now, rate, burst, ttl):
        with self.lock:
            expires, state = self.states.get(key, (0.0, {}))
            if expires < now:
                state = {}
            state, result = bucket_step(state, ticket=ticket, now=now, rate=rate, burst=burst)
            self.states[key] = (now + ttl, state)
            return result


_local_store = LocalAdmissionStore()


def default_store() -> AdmissionStore:
    """Redis when the shared cache is Redis, else the process-local store."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):
        store = getattr(default_store, "_redis", None)
        if store is None or store.client is not backend.get_client(write=True):
            store = RedisAdmissionStore(backend.get_client(write=True))
            default_store._redis = store  # type: ignore[attr-defined]
        return store
    return _local_store


# --------------------------------------------------------------------------- passes


def config() -> dict[str, float]:
    return {
        "rate": float(settings.RESERVATIONS_WAITING_ROOM_RATE),
        "burst": int(settings.RESERVATIONS_WAITING_ROOM_BURST),
        "pass_ttl": int(settings.RESERVATIONS_WAITING_ROOM_PASS_TTL),
        "max_retry": int(settings.RESERVATIONS_WAITING_ROOM_MAX_RETRY),
    }


def pass_issue(scope: str) -> str:
    return signing.dumps({"s": scope}, salt=_PASS_SALT, compress=False)


def pass_valid(value: str | None, scope: str) -> bool:
    if not value:
        return False
    try:
        data = signing.loads(value, salt=_PASS_SALT, max_age=config()["pass_ttl"])
    except signing.BadSignature:  # includes SignatureExpired
        return False
    return data.get("s") == scope


def ticket_issue(scope: str, ticket: int) -> str:
    return signing.dumps({"s": scope, "t": ticket}, salt=_TICKET_SALT)


def ticket_read(value: str | None, scope: str) -> int:
    if not value:
        return 0
    try:
        data = signing.loads(value, salt=_TICKET_SALT, max_age=3600)
    except signing.BadSignature:
        return 0
    return int(data.get("t", 0)) if data.get("s") == scope else 0


def admit(
    *, scope: str, ticket: int = 0, now: float | None = None, store: AdmissionStore | None = None
) -> Admission:
    """Ask the bucket for admission for a visitor (with their ticket if they have one)."""
    conf = config()
    store = store or default_store()
    rate = max(conf["rate"], 0.001)
    admitted, ticket, position = store.take(
        key=KEY_PREFIX + scope,
        ticket=ticket,
        now=time.time() if now is None else now,
        rate=rate,
        burst=int(conf["burst"]),
        ttl=3600,
    )
    if admitted:
        return Admission(admitted=True, ticket=ticket, position=0, retry_after=0)
    retry = min(int(conf["max_retry"]), max(2, math.ceil(position / rate)))
    return Admission(admitted=False, ticket=ticket, position=position, retry_after=retry)


def set_pass_cookie(response, scope: str) -> None:
    response.set_cookie(
        PASS_COOKIE + "_" + scope.replace(":", "_"),
        pass_issue(scope),
        max_age=config()["pass_ttl"],
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path="/",
    )
    response.delete_cookie(TICKET_COOKIE + "_" + scope.replace(":", "_"), path="/")


def set_ticket_cookie(response, scope: str, ticket: int) -> None:
    response.set_cookie(
        TICKET_COOKIE + "_" + scope.replace(":", "_"),
        ticket_issue(scope, ticket),
        max_age=3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path="/",
    )


def pass_cookie_name(scope: str) -> str:
    return PASS_COOKIE + "_" + scope.replace(":", "_")


def ticket_cookie_name(scope: str) -> str:
    return TICKET_COOKIE + "_" + scope.replace(":", "_")


def check_request(request, scope: str) -> Admission:
    """Admit the request if it carries a valid pass; otherwise ask the bucket."""
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED:
        return Admission(admitted=True, ticket=0, position=0, retry_after=0)
    if pass_valid(request.COOKIES.get(pass_cookie_name(scope)), scope):
        return Admission(admitted=True, ticket=-1, position=0, retry_after=0)  # -1: already holds a pass
    ticket = ticket_read(request.COOKIES.get(ticket_cookie_name(scope)), scope)
    return admit(scope=scope, ticket=ticket)


def apply_cookies(response, scope: str, admission: Admission) -> None:
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED or admission.ticket == -1:
        return
    if admission.admitted:
        set_pass_cookie(response, scope)
    else:
        set_ticket_cookie(response, scope, admission.ticket)
