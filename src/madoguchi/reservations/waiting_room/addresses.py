"""Which address a visitor counts against: the per-address ceiling and its allow-list."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings

from madoguchi.core.client_address import address_network, parse_address, request_address


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
    unparsable or allow-listed (no ceiling). Remembered per address and allow-list: a person
    in the queue reloads the page, and parsing the address was ≈ 2 % of a queue page."""
    return _group(address, tuple(settings.RESERVATIONS_WAITING_ROOM_IP_ALLOW))


@functools.lru_cache(maxsize=4096)
def _group(address: str, entries: tuple[str, ...]) -> str:
    ip = parse_address(address)
    if ip is None or any(ip in network for network in _networks(entries)):
        return ""
    return address_network(ip) or ""
