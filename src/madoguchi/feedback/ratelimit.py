"""Soft limits on anonymous reviews (docs/feedback.md, "Abuse").

Two counters, both in the ``limits`` library's storage (Redis in production, memory in the
embedded demo), so a review takes no database lock and no counter shares a lock with another:

- **per browser and point** (a random cookie set by the review form): past the limit the review
  is still stored but *held* — left out of the figures until staff look. A shared tablet at a
  counter therefore never turns anyone away, and one phone cannot move the figures.
- **per client address and point**: wide (a carrier NAT or an office proxy puts thousands of
  people behind one address); past it the answer is 429. It only stops one machine flooding.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from limits import parse, storage, strategies

BROWSER_LIMIT = "10/hour"
ADDRESS_LIMIT = "600/hour"


@lru_cache(maxsize=1)
def _limiter() -> strategies.MovingWindowRateLimiter | strategies.SlidingWindowCounterRateLimiter:
    url = getattr(settings, "SIGN_IN_THROTTLE_STORAGE", "") or "memory://"
    options = {"key_prefix": "madoguchi-feedback"} if url.startswith(("redis://", "rediss://")) else {}
    return strategies.SlidingWindowCounterRateLimiter(storage.storage_from_string(url, **options))


def client_key(address: str) -> str:
    """IPv6 clients count as their /64 (one household or phone gets a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def browser_over_limit(*, point_code: str, browser: str) -> bool:
    """Count this review for the browser; True when it is past the soft limit (hold it)."""
    if not browser:
        return False
    return not _limiter().hit(parse(BROWSER_LIMIT), "browser", point_code, browser)


def address_over_limit(*, point_code: str, address: str) -> bool:
    return not _limiter().hit(parse(ADDRESS_LIMIT), "address", point_code, client_key(address))


def reset() -> None:
    """Tests: forget every count."""
    _limiter().storage.reset()
