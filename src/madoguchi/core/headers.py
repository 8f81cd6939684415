"""A response header written as Django's check would store it, without the check's cost.

``response.headers[name] = value`` converts and checks name and value every time (Latin-1, no
line breaks: ``ResponseHeaders._convert_to_charset``). On the measured hot paths that pass by
Django's middleware (the token API's lane, the waiting room's door: decision 0030) a header
whose value is plain ASCII without line breaks is stored as it is — what the check would give
back; anything else goes through the check (``core/tests/test_headers.py``)."""

from __future__ import annotations


def put_header(response, name: str, value: str) -> None:
    """``response.headers[name] = value`` for a header name written in the code (ASCII)."""
    if value.isascii() and "\n" not in value and "\r" not in value:
        response.headers._store[name.lower()] = (name, value)
    else:
        response.headers[name] = value
