"""Admission control (waiting room) for first-come openings.

A token bucket per scope (one resource) lives in the shared cache. Tokens refill at
``RESERVATIONS_WAITING_ROOM_RATE`` per second up to ``RESERVATIONS_WAITING_ROOM_BURST`` — or,
when the slot asked for has more places left, up to that many (at most
``RESERVATIONS_WAITING_ROOM_MAX_BURST``; ``burst_for``), so an opening's first people fill the
places at once and, as the places go, fewer are let in only to find the slot full.
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
``RESERVATIONS_WAITING_ROOM_ADAPTIVE=0`` keeps it fixed). Its state is kept by the store next to
the bucket.

One call to the store per request (one Redis round trip): an admission reads the adapted rate
and — for the booking pages, ``SlotHints`` — the slot's full flag and places left from the cache
with it; after a booking attempt ``settle`` records its time and ends its admission.

Admitted visitors get a signed, time-limited pass (``django.core.signing``) in a cookie.

Two stores implement the bucket: Redis (one Lua script, atomic across all app servers) and
a process-local store for the embedded/dev setup (locmem cache). A contract test runs the
same checks against both.

The package, by concern: ``bucket`` (the algorithm and the stores' contract), ``stores`` (the
Redis and process-local stores), ``addresses``
(the ceiling's address groups and allow-list), ``passes`` (signed passes and client ids as
cookies), ``rate`` (the adaptive rate's step), ``gate`` (admit a request, settle an attempt,
set its cookies) and ``conf`` (the settings). Callers use the names re-exported here.
"""

from madoguchi.reservations.waiting_room.addresses import (
    address_group,
    allowlist,
    allowlist_errors,
    client_address,
)
from madoguchi.reservations.waiting_room.bucket import (
    ADMITTED,
    BUCKET_TTL,
    FULL,
    KEY_PREFIX,
    LIMITED,
    PLACES_UNKNOWN,
    QUEUED,
    AdaptConf,
    Admission,
    AdmissionStore,
    SlotHints,
    adapt_key,
    bucket_keys,
    bucket_step,
    release_step,
)
from madoguchi.reservations.waiting_room.conf import config
from madoguchi.reservations.waiting_room.gate import (
    FULL_ANSWER,
    admit,
    apply_cookies,
    burst_for,
    check_request,
    current_rate,
    observe,
    release,
    settle,
)
from madoguchi.reservations.waiting_room.passes import (
    CLIENT_COOKIE,
    CLIENT_COOKIE_AGE,
    PASS_COOKIE,
    client_issue,
    client_new,
    client_read,
    pass_cookie_name,
    pass_issue,
    pass_valid,
    set_client_cookie,
    set_pass_cookie,
)
from madoguchi.reservations.waiting_room.rate import ADAPT_INTERVAL, adapt_step
from madoguchi.reservations.waiting_room.stores import LocalAdmissionStore, RedisAdmissionStore, default_store

__all__ = [
    "ADAPT_INTERVAL",
    "ADMITTED",
    "BUCKET_TTL",
    "FULL",
    "FULL_ANSWER",
    "PLACES_UNKNOWN",
    "CLIENT_COOKIE",
    "CLIENT_COOKIE_AGE",
    "KEY_PREFIX",
    "LIMITED",
    "PASS_COOKIE",
    "QUEUED",
    "AdaptConf",
    "Admission",
    "AdmissionStore",
    "LocalAdmissionStore",
    "RedisAdmissionStore",
    "SlotHints",
    "adapt_key",
    "adapt_step",
    "address_group",
    "admit",
    "allowlist",
    "allowlist_errors",
    "apply_cookies",
    "bucket_keys",
    "bucket_step",
    "release_step",
    "burst_for",
    "check_request",
    "release",
    "client_address",
    "client_issue",
    "client_new",
    "client_read",
    "config",
    "current_rate",
    "default_store",
    "observe",
    "pass_cookie_name",
    "pass_issue",
    "pass_valid",
    "set_client_cookie",
    "set_pass_cookie",
    "settle",
]
