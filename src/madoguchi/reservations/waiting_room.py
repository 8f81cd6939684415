"""Admission control (waiting room) for first-come openings.

A token bucket per scope (one resource) lives in the shared cache. Tokens refill at
``RESERVATIONS_WAITING_ROOM_RATE`` per second up to ``RESERVATIONS_WAITING_ROOM_BURST``.
A visitor without a pass takes a token when nobody is queued; otherwise they draw a ticket
and wait. Refilled tokens serve the queue in ticket order first (first come, first served),
so the queue position shown is honest and the retry time is ``position / rate``.

Fair limits on tickets (docs/reservations.md, "Fair limits"):

* A ticket belongs to a *client*: a signed random id in a site-wide cookie (HTML pages, which
  must not touch the session) or the signed-in user (API). A client holds at most one live
  ticket per scope; asking again returns the same ticket. The ticket number never travels in
  a cookie, so it cannot be forged or copied to other browsers, and it is used up by the
  admission it buys.
* Per client address (an IPv4 address, or an IPv6 /64) at most
  ``RESERVATIONS_WAITING_ROOM_IP_LIMIT`` tickets may be *waiting* in one scope at a time
  (issued, not yet served). The ceiling is generous because a carrier NAT puts thousands of
  phones behind a few addresses; addresses in ``RESERVATIONS_WAITING_ROOM_IP_ALLOW``
  (counter terminals, known NAT ranges) have none. Over the ceiling the visitor is refused a
  place, with a retry time for when that address's oldest ticket is served.

The rate adapts to what the slot can really take (``observe``/``adapt_step``): the gate times
every booking POST it lets through, and the rate goes down when their average server time is
above ``RESERVATIONS_WAITING_ROOM_TARGET_MS`` and up when it is well under it
(``RESERVATIONS_WAITING_ROOM_RATE`` is where it starts; ``…_MAX_RATE`` caps it;
``RESERVATIONS_WAITING_ROOM_ADAPTIVE=0`` keeps it fixed).

Admitted visitors get a signed, time-limited pass (``django.core.signing``) in a cookie.

Two stores implement the bucket: Redis (one Lua script, atomic across all app servers) and
a process-local store for the embedded/dev setup (locmem cache). A contract test runs the
same checks against both.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import secrets
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Any, Protocol

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from madoguchi.core.client_address import address_network, parse_address, request_address

PASS_COOKIE = "mdg_wr_pass"
CLIENT_COOKIE = "mdg_wr_client"
CLIENT_COOKIE_AGE = 24 * 3600
_PASS_SALT = "madoguchi.reservations.waiting-room.pass"
_CLIENT_SALT = "madoguchi.reservations.waiting-room.client"
KEY_PREFIX = "resv:wr:"
BUCKET_TTL = 3600  # an idle bucket (and its tickets) is forgotten after an hour

ADMITTED, QUEUED, LIMITED = 1, 0, -1


@dataclass(frozen=True)
class Admission:
    admitted: bool
    ticket: int  # 0 when admitted straight away or refused a place; -1 when holding a pass
    position: int  # people ahead, including you (0 when admitted)
    retry_after: int  # seconds until trying again is worthwhile
    limited: bool = False  # refused a place: too many waiting tickets from this address
    new_client: str = ""  # a client id to hand out in the client cookie ("" = nothing to set)


class AdmissionStore(Protocol):
    def take(
        self,
        *,
        scope: str,
        client: str,
        address: str,
        limit: int,
        now: float,
        rate: float,
        burst: int,
        ttl: int,
    ) -> tuple[int, int, int]:
        """Atomically refill, serve the queue and admit, enqueue or refuse.

        Returns ``(status, ticket, position)``: status ``ADMITTED``, ``QUEUED`` or ``LIMITED``;
        for ``LIMITED`` the position is how far the address's oldest waiting ticket is from
        being served.
        """


def bucket_keys(scope: str, address: str) -> tuple[str, str, str]:
    """Bucket hash, client → ticket hash, the address's waiting tickets (one Redis hash slot)."""
    base = f"{KEY_PREFIX}{{{scope}}}"
    return base, base + ":c", base + ":a:" + address


# --------------------------------------------------------------------------- the algorithm


def bucket_step(
    state: dict[str, Any], *, client: str, address: str, limit: int, now: float, rate: float, burst: int
) -> tuple[int, int, int]:
    """One atomic step over the bucket state (changed in place); the Lua script below is the same."""
    tokens = state.get("tokens", float(burst))
    ts = state.get("ts", now)
    issued = int(state.get("issued", 0))
    served = int(state.get("served", 0))
    clients: dict[str, int] = state.setdefault("clients", {})
    addresses: dict[str, list[int]] = state.setdefault("addresses", {})
    if now > ts:
        tokens += (now - ts) * rate
        ts = now
    waiting = issued - served
    if waiting > 0 and tokens >= 1:
        n = min(waiting, math.floor(tokens))
        served += n
        tokens -= n
    tokens = min(tokens, float(burst))
    mine = clients.get(client, 0) if client else 0
    if mine > issued:  # the bucket was reset (expired) since this ticket was drawn
        mine = 0
    if mine > 0:
        if mine <= served:
            del clients[client]  # the ticket is used up by the admission it buys
            result = (ADMITTED, mine, 0)
        else:
            result = (QUEUED, mine, mine - served)
    elif issued == served and tokens >= 1:
        tokens -= 1
        result = (ADMITTED, 0, 0)
    else:
        held = addresses.get(address) if limit > 0 and address else None
        if held is not None:
            del held[: bisect_right(held, served)]  # served tickets no longer count
        if held and len(held) >= limit:
            result = (LIMITED, 0, held[0] - served)
        else:
            issued += 1
            if client:
                clients[client] = issued
            if limit > 0 and address:
                addresses.setdefault(address, []).append(issued)
            result = (QUEUED, issued, issued - served)
    state.update(tokens=tokens, ts=ts, issued=issued, served=served)
    return result


_LUA = """
local key = KEYS[1]; local ckey = KEYS[2]; local akey = KEYS[3]
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local client = ARGV[4]; local limit = tonumber(ARGV[5]); local ttl = tonumber(ARGV[6])
local s = redis.call('HMGET', key, 'tokens', 'ts', 'issued', 'served')
local tokens = tonumber(s[1]) or burst
local ts = tonumber(s[2]) or now
local issued = tonumber(s[3]) or 0
local served = tonumber(s[4]) or 0
if now > ts then tokens = tokens + (now - ts) * rate; ts = now end
local waiting = issued - served
if waiting > 0 and tokens >= 1 then
  local n = math.min(waiting, math.floor(tokens))
  served = served + n; tokens = tokens - n
end
if tokens > burst then tokens = burst end
local mine = 0
if client ~= '' then mine = tonumber(redis.call('HGET', ckey, client)) or 0 end
if mine > issued then mine = 0 end
local status = 0; local ticket = 0; local position = 0
if mine > 0 then
  ticket = mine
  if mine <= served then status = 1; redis.call('HDEL', ckey, client) else position = mine - served end
elseif issued == served and tokens >= 1 then
  tokens = tokens - 1; status = 1
else
  local track = limit > 0
  local full = false
  if track then
    redis.call('ZREMRANGEBYSCORE', akey, '-inf', served)
    if redis.call('ZCARD', akey) >= limit then
      local oldest = redis.call('ZRANGE', akey, 0, 0, 'WITHSCORES')
      status = -1; position = tonumber(oldest[2]) - served; full = true
    end
  end
  if not full then
    issued = issued + 1; ticket = issued; position = issued - served
    if client ~= '' then redis.call('HSET', ckey, client, issued) end
    if track then redis.call('ZADD', akey, issued, issued); redis.call('EXPIRE', akey, ttl) end
  end
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(ts), 'issued', issued, 'served', served)
redis.call('EXPIRE', key, ttl)
redis.call('EXPIRE', ckey, ttl)
return {status, ticket, position}
"""


class RedisAdmissionStore:
    """The bucket as Redis keys changed by one Lua script (atomic for all app servers)."""

    def __init__(self, client):
        self.client = client
        self.script = client.register_script(_LUA)

    def take(self, *, scope, client, address, limit, now, rate, burst, ttl):
        status, ticket, position = self.script(
            keys=list(bucket_keys(scope, address)),
            args=[repr(now), repr(rate), burst, client, limit if address else 0, ttl],
        )
        return int(status), int(ticket), int(position)


class LocalAdmissionStore:
    """The bucket in process memory, for the embedded setup (locmem cache is per process too)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.states: dict[str, tuple[float, dict[str, Any]]] = {}

    def take(self, *, scope, client, address, limit, now, rate, burst, ttl):
        with self.lock:
            expires, state = self.states.get(scope, (0.0, {}))
            if expires < now:
                state = {}
            result = bucket_step(
                state, client=client, address=address, limit=limit, now=now, rate=rate, burst=burst
            )
            self.states[scope] = (now + ttl, state)
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


# --------------------------------------------------------------------------- settings, addresses


def config() -> dict[str, float]:
    return {
        "rate": float(settings.RESERVATIONS_WAITING_ROOM_RATE),
        "burst": int(settings.RESERVATIONS_WAITING_ROOM_BURST),
        "pass_ttl": int(settings.RESERVATIONS_WAITING_ROOM_PASS_TTL),
        "max_retry": int(settings.RESERVATIONS_WAITING_ROOM_MAX_RETRY),
        "per_ip": int(settings.RESERVATIONS_WAITING_ROOM_IP_LIMIT),
        "adaptive": bool(settings.RESERVATIONS_WAITING_ROOM_ADAPTIVE),
        "target_ms": float(settings.RESERVATIONS_WAITING_ROOM_TARGET_MS),
        "max_rate": float(settings.RESERVATIONS_WAITING_ROOM_MAX_RATE),
    }


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:  # reported by the system check reservations.E001
            continue
    return tuple(networks)


def allowlist() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``RESERVATIONS_WAITING_ROOM_IP_ALLOW`` parsed (addresses or CIDR ranges)."""
    return _networks(tuple(settings.RESERVATIONS_WAITING_ROOM_IP_ALLOW))


def allowlist_errors() -> list[str]:
    """Entries of the allow-list that are not an address or a CIDR range (system check)."""
    bad = []
    for entry in settings.RESERVATIONS_WAITING_ROOM_IP_ALLOW:
        if not entry.strip():
            continue
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            bad.append(entry)
    return bad


def client_address(request) -> str:
    """The visitor's address (``core.client_address.request_address``: ``REMOTE_ADDR``, or behind
    our proxy the last ``X-Forwarded-For`` entry — the one our load balancer added)."""
    return request_address(request)


def address_group(address: str) -> str:
    """What the ceiling counts: an IPv4 address, or the /64 of an IPv6 address
    (``core.client_address.address_network``). Returns "" for an address that is unknown,
    unparsable or allow-listed (no ceiling)."""
    ip = parse_address(address)
    if ip is None or any(ip in network for network in allowlist()):
        return ""
    return address_network(ip) or ""


# --------------------------------------------------------------------------- passes and clients


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


def client_new() -> str:
    return secrets.token_urlsafe(12)


def client_issue(client: str) -> str:
    return signing.dumps({"c": client}, salt=_CLIENT_SALT, compress=False)


def client_read(value: str | None) -> str:
    """The client id from a signed cookie value, or "" when missing, forged or too old."""
    if not value:
        return ""
    try:
        data = signing.loads(value, salt=_CLIENT_SALT, max_age=CLIENT_COOKIE_AGE)
    except signing.BadSignature:
        return ""
    client = data.get("c")
    return client if isinstance(client, str) and 0 < len(client) <= 64 else ""


# --------------------------------------------------------------------------- adaptive rate


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


def admit(
    *,
    scope: str,
    client: str = "",
    address: str = "",
    now: float | None = None,
    store: AdmissionStore | None = None,
) -> Admission:
    """Ask the bucket for admission for a visitor (``client`` finds the ticket they hold).

    ``address`` is the visitor's address as :func:`address_group` returns it ("" = no ceiling).
    """
    conf = config()
    store = store or default_store()
    rate = max(current_rate(scope), 0.001)
    status, ticket, position = store.take(
        scope=scope,
        client=client,
        address=address,
        limit=max(int(conf["per_ip"]), 0),
        now=time.time() if now is None else now,
        rate=rate,
        burst=int(conf["burst"]),
        ttl=BUCKET_TTL,
    )
    if status == ADMITTED:
        return Admission(admitted=True, ticket=ticket, position=0, retry_after=0)
    retry = min(int(conf["max_retry"]), max(2, math.ceil(position / rate)))
    return Admission(
        admitted=False, ticket=ticket, position=position, retry_after=retry, limited=status == LIMITED
    )


def pass_cookie_name(scope: str) -> str:
    return PASS_COOKIE + "_" + scope.replace(":", "_")


def set_pass_cookie(response, scope: str) -> None:
    response.set_cookie(
        pass_cookie_name(scope),
        pass_issue(scope),
        max_age=config()["pass_ttl"],
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path="/",
    )


def set_client_cookie(response, client: str) -> None:
    response.set_cookie(
        CLIENT_COOKIE,
        client_issue(client),
        max_age=CLIENT_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path="/",
    )


def check_request(request, scope: str, *, client: str = "") -> Admission:
    """Admit the request if it carries a valid pass; otherwise ask the bucket.

    ``client`` binds the ticket to someone known (the API passes the signed-in user); by
    default the client is the signed id in the ``mdg_wr_client`` cookie, handed out here.
    """
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED:
        return Admission(admitted=True, ticket=0, position=0, retry_after=0)
    if pass_valid(request.COOKIES.get(pass_cookie_name(scope)), scope):
        return Admission(admitted=True, ticket=-1, position=0, retry_after=0)  # -1: already holds a pass
    new_client = ""
    if not client:
        client = client_read(request.COOKIES.get(CLIENT_COOKIE))
        if not client:
            client = new_client = client_new()
    admission = admit(scope=scope, client=client, address=address_group(client_address(request)))
    if new_client and not admission.admitted and not admission.limited:
        return replace(admission, new_client=new_client)
    return admission


def apply_cookies(response, scope: str, admission: Admission) -> None:
    if not settings.RESERVATIONS_WAITING_ROOM_ENABLED or admission.ticket == -1:
        return
    if admission.admitted:
        set_pass_cookie(response, scope)
    elif admission.new_client:
        set_client_cookie(response, admission.new_client)
