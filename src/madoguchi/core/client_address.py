"""Which address a request came from, and how limits count it — one rule for every limit.

``request_address``: ``REMOTE_ADDR``, or behind our load balancer (``BEHIND_PROXY=1``, which sets
``SECURE_PROXY_SSL_HEADER``) the *last* ``X-Forwarded-For`` entry — the one the balancer
appended; earlier entries come from the client and are ignored.

``address_network``: what a limit counts — an IPv4 address (an IPv4-mapped IPv6 address counts
as its IPv4 address), or the /64 of an IPv6 address (one subscriber usually owns a whole /64,
so counting single IPv6 addresses would limit nothing). ``None`` when the address is unknown.

Used by the sign-in throttle (accounts), the waiting room's per-address ceiling (reservations)
and the review form's limits (feedback).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def request_address(request: Any) -> str:
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def parse_address(address: str) -> Address | None:
    """The address as an ``ipaddress`` object (IPv4-mapped IPv6 unwrapped), or None."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def address_network(address: str | Address | None) -> str | None:
    """``"192.0.2.7"`` or ``"2001:db8:1:2::/64"``; None for an unknown or unparsable address."""
    ip = address if isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address) else None
    if ip is None:
        ip = parse_address(address or "")  # type: ignore[arg-type]
    if ip is None:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def request_network(request: Any) -> str | None:
    """What limits count for this request (see ``address_network``)."""
    return address_network(request_address(request))
