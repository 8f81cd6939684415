"""Limits on sign-in attempts, per account and per address (decision 0017).

Three kinds are counted, each under two keys:

========================  ==========================  =============================
kind                      counts                      keys
========================  ==========================  =============================
``password``              failed staff passwords      the typed address, the client
``second_factor``         failed TOTP codes/passkeys  the user, the client
``link``                  sign-in link requests       the typed address, the client
========================  ==========================  =============================

Per-account limits are tight and carry the weight: guessing one account's password or code
stops after a handful of tries, and one address gets a handful of mails. Per-client limits
are wide, so a counter's terminal or a carrier's NAT (many people, one address) is not
locked out; they only stop one machine from spraying many accounts. An IPv6 client counts
as its /64. The counting is the ``limits`` library (sliding window counters) in Redis when
``REDIS_URL`` is set, else in this process's memory (the single-process embedded mode).

Throttled or not, every answer looks the same whether the account exists: the account key
is whatever address was typed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from limits import RateLimitItem, parse, storage, strategies

from madoguchi.core.client_address import request_network

KINDS = ("password", "second_factor", "link")


@dataclass(frozen=True)
class Throttled:
    retry_after: int  # seconds until one more attempt is allowed

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


@lru_cache(maxsize=1)
def _limiter() -> strategies.SlidingWindowCounterRateLimiter:
    url = settings.SIGN_IN_THROTTLE_STORAGE or "memory://"
    options: dict[str, Any] = {}
    if url.startswith(("redis://", "rediss://")):
        options["key_prefix"] = "madoguchi-throttle"
    return strategies.SlidingWindowCounterRateLimiter(storage.storage_from_string(url, **options))


def _limits(kind: str) -> dict[str, RateLimitItem]:
    configured = settings.SIGN_IN_THROTTLES[kind]
    return {scope: parse(rate) for scope, rate in configured.items()}


def client_address(request: Any) -> str:
    """What the address limits count (``core.client_address``: the proxy's last
    ``X-Forwarded-For`` entry behind ``BEHIND_PROXY=1``, an IPv6 address as its /64)."""
    return request_network(request) or "unknown"


def _keys(kind: str, *, account: str, request: Any) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    limits = _limits(kind)
    account = (account or "").strip().lower()
    return [
        (limits["account"], (kind, "account", account)),
        (limits["address"], (kind, "address", client_address(request))),
    ]


def throttle_check(kind: str, *, account: str, request: Any) -> Throttled | None:
    """Whether one more attempt is allowed now; ``Throttled`` (with a wait) if not."""
    limiter = _limiter()
    wait = 0.0
    for limit, key in _keys(kind, account=account, request=request):
        if not limiter.test(limit, *key):
            reset_at = limiter.get_window_stats(limit, *key).reset_time
            wait = max(wait, reset_at - time.time(), 1.0)
    return Throttled(retry_after=math.ceil(wait)) if wait else None


def throttle_hit(kind: str, *, account: str, request: Any) -> None:
    """Count one attempt (a failure, or for ``link`` any request)."""
    limiter = _limiter()
    for limit, key in _keys(kind, account=account, request=request):
        limiter.hit(limit, *key)


def throttle_clear_account(kind: str, *, account: str) -> None:
    """Forget an account's failures once it signed in (its address's count stays)."""
    limit = _limits(kind)["account"]
    _limiter().clear(limit, kind, "account", (account or "").strip().lower())


def throttle_reset_all() -> None:
    """Tests only: forget every count."""
    _limiter().storage.reset()
