"""A response header written as Django's check would store it, without the check's cost.

``response.headers[name] = value`` converts and checks name and value every time (Latin-1, no
line breaks: ``ResponseHeaders._convert_to_charset``). On the measured hot paths that pass by
Django's middleware (the token API's lane, the waiting room's door: decision 0030) a header
whose value is plain ASCII without line breaks is stored as it is — what the check would give
back; anything else goes through the check (``core/tests/test_headers.py``)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def put_header(response, name: str, value: str) -> None:
    """``response.headers[name] = value`` for a header name written in the code (ASCII)."""
    if value.isascii() and "\n" not in value and "\r" not in value:
        response.headers._store[name.lower()] = (name, value)
    else:
        response.headers[name] = value


def light_response_headers(request, response, common):
    """What ``XFrameOptionsMiddleware``, ``CommonMiddleware`` (``common``, an instance: its 404
    handling) and ``LocaleMiddleware`` without language prefixes in the URLs add to a response,
    in that order — for the lanes that pass by them (the token API's, the waiting room's door;
    decision 0030). Returns the response (``common`` may give another for a 404)."""
    store = response.headers._store
    # XFrameOptionsMiddleware.process_response
    if "x-frame-options" not in store and not getattr(response, "xframe_options_exempt", False):
        put_header(response, "X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper())
    # CommonMiddleware.process_response
    if response.status_code == 404:
        response = common.process_response(request, response)
        store = response.headers._store
    elif not response.streaming and "content-length" not in store:
        put_header(response, "Content-Length", str(len(response.content)))
    # LocaleMiddleware.process_response without language prefixes in the URLs
    language = translation.get_language()
    if "vary" in store:
        patch_vary_headers(response, ("Accept-Language",))
    else:
        put_header(response, "Vary", "Accept-Language")
    if "content-language" not in store:
        if isinstance(language, str):
            put_header(response, "Content-Language", language)
        else:
            response.headers.setdefault("Content-Language", language)
    return response
