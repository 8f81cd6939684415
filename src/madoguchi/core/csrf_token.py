"""Django's CSRF token for a form, masked with one read of the system's random source.

``django.middleware.csrf.get_token`` masks the secret with a fresh random string of 32
characters drawn by ``secrets.choice`` one at a time (and, for a visitor without the cookie,
draws the secret the same way): 32–64 calls of ``os.urandom`` and the Python around each. On
a measured hot path (the booking form of an opening rush, docs/performance.md "Issue 19, ninth
session") ``form_token`` does the same with one ``os.urandom`` call per string: bytes under
248 (= 4 × 62) are kept and taken modulo 62, so every character of the 62-letter alphabet is
equally likely, as with ``secrets.choice``. The token is Django's own format (mask + cipher,
``_unmask_cipher_token`` gives the secret back) and the request is flagged exactly as
``get_token`` flags it, so ``CsrfViewMiddleware`` checks and sends the cookie as before
(``core/tests/test_csrf_token.py``).
"""

from __future__ import annotations

import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_SIZE = len(CSRF_ALLOWED_CHARS)  # 62
_LIMIT = 256 - 256 % _SIZE  # 248: bytes at or over it are dropped (no bias)
# byte → its character (bytes ≥ 248 are deleted by translate)
_TO_CHAR = bytes(ord(CSRF_ALLOWED_CHARS[b % _SIZE]) if b < _LIMIT else 0 for b in range(256))
_DROP = bytes(range(_LIMIT, 256))
_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}


def random_string(length: int = CSRF_SECRET_LENGTH) -> str:
    """``length`` characters of Django's CSRF alphabet, each uniformly random."""
    out = b""
    while len(out) < length:
        out += os.urandom(length + 16).translate(_TO_CHAR, _DROP)
    return out[:length].decode("ascii")


def mask_secret(secret: str) -> str:
    """Django's ``_mask_cipher_secret`` with the mask drawn by ``random_string``."""
    mask = random_string()
    chars, index, size = CSRF_ALLOWED_CHARS, _INDEX, _SIZE
    cipher = "".join(chars[(index[s] + index[m]) % size] for s, m in zip(secret, mask, strict=False))
    return mask + cipher


def form_token(request) -> str:
    """``django.middleware.csrf.get_token``: the same token format and the same flags."""
    meta = request.META
    if "CSRF_COOKIE" in meta:
        secret = meta["CSRF_COOKIE"]
        meta["CSRF_COOKIE_NEEDS_UPDATE"] = True  # renew the cookie's expiry, as get_token does
    else:
        secret = random_string()
        meta.update({"CSRF_COOKIE": secret, "CSRF_COOKIE_NEEDS_UPDATE": True})
    return mask_secret(secret)
