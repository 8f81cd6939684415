"""Personal fields at rest, and the keyed blocking keys that let us match without decrypting.

- A record's personal fields are one JSON document sealed with the project's field encryption
  (``core.crypto.encrypt_text``, AES-GCM), bound to the event by the token's purpose: a token
  copied into another event does not open. One token per row keeps an upload of 200,000 rows
  at one encryption per row.
- Matching compares *keys*, never plaintext: a key is the first 64 bits of
  HMAC-SHA256(event key, "<feature>|<normalized value>"). The event key is derived from
  ``LEDGER_MATCH_KEY`` (or, when unset, from ``SECRET_KEY``) and the event's own salt, so keys
  of two events cannot be linked, and someone reading the database sees equal numbers for
  equal values of one event but cannot recompute them without the secret. With 64 bits,
  the chance that two different values of one event share a key is about n²/2⁶⁵
  (4·10⁻⁶ for 12 million values): negligible for a score that also needs other features.
- Rotating ``LEDGER_MATCH_KEY`` (or ``SECRET_KEY`` when it is unset) changes every key: run
  ``ledger_rekey`` (it decrypts each record and recomputes its keys) and then a matching run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from madoguchi.core.crypto import decrypt_text, encrypt_text


def _purpose(event_id: int) -> str:
    return f"ledger-record:{event_id}"


def seal(data: dict[str, Any], *, event_id: int) -> str:
    return encrypt_text(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), purpose=_purpose(event_id)
    )


def unseal(token: str, *, event_id: int) -> dict[str, Any]:
    if not token:
        return {}
    return json.loads(decrypt_text(token, purpose=_purpose(event_id)))


@lru_cache(maxsize=4)
def _master(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"madoguchi-ledger", info=b"match-keys").derive(
        secret.encode()
    )


def master_key() -> bytes:
    return _master(getattr(settings, "LEDGER_MATCH_KEY", "") or settings.SECRET_KEY)


@lru_cache(maxsize=64)
def _event_key(master: bytes, event_id: int, salt: str) -> bytes:
    return hmac.digest(master, f"event:{event_id}:{salt}".encode(), "sha256")


class KeyMaker:
    """Computes the blocking/feature keys of one event (one per upload job, reused per row)."""

    def __init__(self, *, event_id: int, salt: str):
        self.key = _event_key(master_key(), event_id, salt)

    def __call__(self, feature: str, value: str) -> int | None:
        if not value:
            return None
        digest = hmac.digest(self.key, f"{feature}|{value}".encode(), "sha256")
        return int.from_bytes(digest[:8], "big", signed=True)

    def fingerprint(self) -> str:
        """A short public id of the key (stored on the event; tells when a rekey is needed)."""
        return hashlib.sha256(self.key).hexdigest()[:12]
