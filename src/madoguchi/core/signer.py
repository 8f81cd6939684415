"""Django's signed values (``django.core.signing.dumps`` / ``loads``) with the signing key derived
once per process for each secret and salt.

``django.core.signing`` signs with ``salted_hmac``, which derives the HMAC's key from the salt
and the secret (``sha256(salt + secret)``) and then computes the HMAC, on every call. The derived
key depends on nothing but the salt, the secret and the algorithm, so ``DerivedKeySigner``
remembers it (a few per process: the secret, ``SECRET_KEY_FALLBACKS``, a secret a test sets)
and computes only the HMAC per value. Everything else is Django's ``TimestampSigner``: the
format, the timestamp, ``max_age``, the fallback keys, the exceptions. A value signed here is
the value ``signing.dumps`` gives at the same second, and each reads the other's
(``core/tests/test_signer.py``). Used by the waiting room's cookies, on every queue page of an
opening rush (docs/performance.md, "Issue 19, tenth session (helper h1)").
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from django.core import signing
from django.utils.encoding import force_bytes


@lru_cache(maxsize=32)
def derived_key(salt: str, secret: str | bytes, algorithm: str) -> bytes:
    """``salted_hmac``'s key for ``salt`` and ``secret``: the hash of the two."""
    return getattr(hashlib, algorithm)(force_bytes(salt) + force_bytes(secret)).digest()


class DerivedKeySigner(signing.TimestampSigner):
    """``TimestampSigner`` whose HMAC key is derived once per secret and salt."""

    def signature(self, value, key=None):
        key = key or self.key
        digest = hmac.digest(
            derived_key(self.salt + "signer", key, self.algorithm), force_bytes(value), self.algorithm
        )
        return signing.b64_encode(digest).decode()


def dumps(obj: Any, *, salt: str) -> str:
    """``signing.dumps(obj, salt=salt, compress=False)``."""
    return DerivedKeySigner(salt=salt).sign_object(obj)


def loads(value: str, *, salt: str, max_age: int | float | None = None) -> Any:
    """``signing.loads(value, salt=salt, max_age=max_age)``: raises ``signing.BadSignature``
    (``SignatureExpired`` when older than ``max_age``) as it does."""
    return DerivedKeySigner(salt=salt).unsign_object(value, max_age=max_age)
