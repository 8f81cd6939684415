"""Encryption of sensitive field values at rest (マイナンバー, TOTP secrets, …), with versioned keys.

AES-256-GCM from the ``cryptography`` package. The keys are separate from ``SECRET_KEY`` and
come from ``settings.FIELD_ENCRYPTION_KEYS``: ``"id:key"`` pairs, newest first, where a key is
32 bytes in urlsafe base64 (a passphrase is stretched with HKDF). The first key encrypts; every
configured key decrypts. A token names the key that made it::

    v2:<key id>:<urlsafe-base64(nonce ‖ ciphertext ‖ tag)>

so a key can be retired once ``madoguchi crypto rotate`` (core/keyrotation.py) has re-encrypted
every token made with it. Tokens of the first format, ``v1:<base64>``, carry no key id; they
were made with ``FIELD_ENCRYPTION_KEY`` or a key derived from ``SECRET_KEY`` and stay readable:
every configured key is tried, then the ``SECRET_KEY``-derived one. The associated data binds a
token to its purpose (``"mynumber"``), so a token cannot be replayed into another kind of field.

Without any key configured, development (``DEBUG=1``) derives the key ``dev`` from
``SECRET_KEY``; with ``DEBUG=0`` using this module raises ``ImproperlyConfigured`` and no
process starts (core/checks.py). See docs/decisions/0020-versioned-field-encryption-keys.md.

Plaintext never leaves this module except as the return value of ``decrypt_text``.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LEGACY_PREFIX = "v1:"
PREFIX = "v2:"
DEV_KEY_ID = "dev"
_NONCE_BYTES = 12
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class DecryptionError(ValueError):
    """The token was not made with a configured key (or was altered). The message holds no secret."""


@dataclass(frozen=True)
class FieldKey:
    id: str
    key: bytes = field(repr=False)
    passphrase: bool = False  # stretched with HKDF rather than given as 32 random bytes
    source: str = field(default="", repr=False)  # the configured text, for the start-up checks


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[FieldKey, ...]  # newest first: keys[0] encrypts
    legacy: tuple[bytes, ...] = field(default=(), repr=False)  # extra keys tried for v1 tokens

    @property
    def current(self) -> FieldKey:
        return self.keys[0]

    def get(self, key_id: str) -> FieldKey | None:
        return next((k for k in self.keys if k.id == key_id), None)


def _material(secret: str) -> tuple[bytes, bool]:
    try:
        raw = base64.urlsafe_b64decode(secret.encode() + b"=" * (-len(secret) % 4))
        if len(raw) == 32:
            return raw, False
    except (binascii.Error, ValueError):
        pass
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"madoguchi-field-encryption", info=b"v1"
    ).derive(secret.encode())
    return derived, True


def parse_keys(spec: str) -> tuple[FieldKey, ...]:
    """``"2025:AAAA…, 2024:BBBB…"`` → keys, newest first. Raises ImproperlyConfigured on a bad spec."""
    keys: list[FieldKey] = []
    for item in re.split(r"[,\s]+", spec.strip()):
        if not item:
            continue
        key_id, sep, secret = item.partition(":")
        if not sep or not secret:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS: each key is written 'id:key' (for example '2025a:<32 bytes in base64>')"
            )
        if not KEY_ID_PATTERN.match(key_id):
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: the key id {key_id!r} may use only letters, digits, '-' and '_'"
            )
        if any(k.id == key_id for k in keys):
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: the key id {key_id!r} appears twice")
        material, passphrase = _material(secret)
        keys.append(FieldKey(id=key_id, key=material, passphrase=passphrase, source=secret))
    return tuple(keys)


@lru_cache(maxsize=8)
def _ring(spec: str, single: str, secret_key: str, debug: bool) -> KeyRing:
    keys = parse_keys(spec)
    if not keys and single:
        material, passphrase = _material(single)
        keys = (FieldKey(id="1", key=material, passphrase=passphrase, source=single),)
    legacy_key, _ = _material(secret_key)
    if not keys:
        if not debug:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS is not set. Production needs a field-encryption key of its own "
                "(not SECRET_KEY): see docs/deployment.md."
            )
        keys = (FieldKey(id=DEV_KEY_ID, key=legacy_key, passphrase=True, source=secret_key),)
    return KeyRing(keys=keys, legacy=(legacy_key,))


def key_ring() -> KeyRing:
    """The configured keys (read from settings, so ``override_settings`` in tests takes effect)."""
    return _ring(
        getattr(settings, "FIELD_ENCRYPTION_KEYS", "") or "",
        getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "",
        settings.SECRET_KEY,
        bool(settings.DEBUG),
    )


def field_key() -> bytes:
    """The key new tokens are made with."""
    return key_ring().current.key


def current_key_id() -> str:
    return key_ring().current.id


def generate_key() -> str:
    """A new random key in the form FIELD_ENCRYPTION_KEYS expects (without the id)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def encrypt_text(plaintext: str, *, purpose: str) -> str:
    current = key_ring().current
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(current.key).encrypt(nonce, plaintext.encode(), purpose.encode())
    return f"{PREFIX}{current.id}:" + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


class Encrypter:
    """``encrypt_text`` for many values of one purpose (an upload of 200,000 rows): the key is
    looked up and the cipher made once instead of per value. Tokens are the same as
    ``encrypt_text``'s (fresh random nonce each); make a new one after a key change."""

    def __init__(self, *, purpose: str) -> None:
        current = key_ring().current
        self._aead = AESGCM(current.key)
        self._associated = purpose.encode()
        self._prefix = f"{PREFIX}{current.id}:"

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), self._associated)
        return self._prefix + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def is_token(value: object) -> bool:
    return isinstance(value, str) and (value.startswith(PREFIX) or value.startswith(LEGACY_PREFIX))


def token_key_id(token: str) -> str | None:
    """The id of the key that made ``token``; ``""`` for a first-format token; None if not a token."""
    if not is_token(token):
        return None
    if token.startswith(LEGACY_PREFIX):
        return ""
    key_id, sep, _ = token[len(PREFIX) :].partition(":")
    return key_id if sep else None


def needs_rotation(token: str) -> bool:
    """True when ``token`` was not made with the current key (rotation would rewrite it)."""
    key_id = token_key_id(token)
    return key_id is not None and key_id != current_key_id()


def _open(key: bytes, body: str, purpose: str) -> str:
    blob = base64.urlsafe_b64decode(body.encode() + b"=" * (-len(body) % 4))
    return AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], purpose.encode()).decode()


def decrypt_text(token: str, *, purpose: str) -> str:
    if not is_token(token):
        raise DecryptionError("not a token")
    ring = key_ring()
    if token.startswith(LEGACY_PREFIX):
        body = token[len(LEGACY_PREFIX) :]
        candidates = [k.key for k in ring.keys] + [
            k for k in ring.legacy if k not in {x.key for x in ring.keys}
        ]
    else:
        key_id, _, body = token[len(PREFIX) :].partition(":")
        key = ring.get(key_id)
        if key is None:
            raise DecryptionError(f"the key {key_id!r} is not configured")
        candidates = [key.key]
    for candidate in candidates:
        try:
            return _open(candidate, body, purpose)
        except (binascii.Error, ValueError, InvalidTag):
            continue
    raise DecryptionError("cannot decrypt")


def reencrypt_text(token: str, *, purpose: str) -> str:
    """``token`` made again with the current key (the same token when it already is)."""
    if not needs_rotation(token):
        return token
    return encrypt_text(decrypt_text(token, purpose=purpose), purpose=purpose)
