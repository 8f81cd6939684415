"""Personal fields at rest, and the keyed blocking keys that let us match without decrypting.

- A record's personal fields are one JSON document sealed with the project's field encryption
  (``core.crypto.encrypt_text``, AES-GCM), bound to the event by the token's purpose: a token
  copied into another event does not open. One token per row keeps an upload of 200,000 rows
  at one encryption per row.
- Matching compares *keys*, never plaintext: a key is keyed BLAKE2b with a 64-bit digest
  (RFC 7693's MAC mode) of "<feature>|<normalized value>" under the event key. It replaced
  truncated HMAC-SHA256, which cost three times as much per key (about 14 keys a row on the
  upload path); keys of values that repeat (years, days, family names, towns) are computed
  once per job. The event key is derived from
  ``LEDGER_MATCH_KEY`` (or, when unset, from ``SECRET_KEY``) and the event's own salt, so keys
  of two events cannot be linked, and someone reading the database sees equal numbers for
  equal values of one event but cannot recompute them without the secret. With 64 bits,
  the chance that two different values of one event share a key is about n²/2⁶⁵
  (4·10⁻⁶ for 12 million values): negligible for a score that also needs other features.
- Rotating ``LEDGER_MATCH_KEY`` (or ``SECRET_KEY`` when it is unset), or a change of the
  keyed hash, changes every key: the event's ``key_fingerprint`` then differs from the
  current one. ``madoguchi ledger_rekey`` (services/rekey.py) decrypts each record and
  recomputes its keys; uploads and matching runs do it first by themselves for a stale event.
- The AES key of the sealed payloads rotates with the project's ``madoguchi crypto rotate``
  (core/keyrotation.py): ``Record.payload``, ``Change.payload`` and ``RowError.sealed_value``
  are registered in ``LedgerConfig.ready``.
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

from madoguchi.core.crypto import Encrypter, decrypt_text, encrypt_text
from madoguchi.core.keyrotation import PurposeOf


def _purpose(event_id: int) -> str:
    return f"ledger-record:{event_id}"


def row_purpose(event_lookup: str) -> PurposeOf:
    """How key rotation (core/keyrotation.py) finds the purpose of a row's sealed value."""
    return PurposeOf(fields=(event_lookup,), make=_purpose)


def seal(data: dict[str, Any], *, event_id: int) -> str:
    return encrypt_text(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), purpose=_purpose(event_id)
    )


class Sealer:
    """``seal`` for the many rows of one job: the document arrives already written as JSON and
    the cipher is made once (core.crypto.Encrypter)."""

    def __init__(self, *, event_id: int):
        self._encrypter = Encrypter(purpose=_purpose(event_id))

    def seal(self, text: str) -> str:
        return self._encrypter.encrypt(text)


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


# The keyed hash in use; part of the fingerprint, so a change of scheme shows as a stale key.
KEY_SCHEME = b"blake2b-64:"

# features whose values are (nearly) unique per row: not worth remembering
_UNIQUE_FEATURES = frozenset({"content", "kana", "name", "address", "phone", "certificate"})


class KeyMaker:
    """Computes the blocking/feature keys of one event (one per upload job, reused per row)."""

    # Keys of values that repeat (years, days of birth, family names, towns) are computed once.
    MEMO_LIMIT = 200_000

    def __init__(self, *, event_id: int, salt: str):
        self.key = _event_key(master_key(), event_id, salt)
        self._memo: dict[tuple[str, str], int] = {}
        # One keyed hash per feature that has already read "<feature>|": a key is then a copy
        # and the value (the same digest as hashing "<feature>|<value>" whole, a third cheaper
        # than keying a new hash for every value).
        self._started: dict[str, Any] = {}

    def _digest(self, feature: str, value: str) -> int:
        started = self._started.get(feature)
        if started is None:
            started = hashlib.blake2b(key=self.key, digest_size=8)
            started.update(f"{feature}|".encode())
            self._started[feature] = started
        h = started.copy()
        h.update(value.encode())
        return int.from_bytes(h.digest(), "big", signed=True)

    def __call__(self, feature: str, value: str) -> int | None:
        if not value:
            return None
        if feature in _UNIQUE_FEATURES:
            return self._digest(feature, value)
        known = self._memo.get((feature, value))
        if known is None:
            known = self._digest(feature, value)
            if len(self._memo) >= self.MEMO_LIMIT:
                self._memo.clear()
            self._memo[(feature, value)] = known
        return known

    def fingerprint(self) -> str:
        """A short public id of the key (stored on the event; tells when a rekey is needed)."""
        return hashlib.sha256(KEY_SCHEME + self.key).hexdigest()[:12]
