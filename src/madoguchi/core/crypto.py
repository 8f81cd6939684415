"""Encryption of sensitive field values at rest (マイナンバー).

AES-256-GCM from the ``cryptography`` package. The key comes from
``settings.FIELD_ENCRYPTION_KEY`` (32 bytes, urlsafe base64, or any passphrase, which is
stretched with HKDF); when it is unset the key is derived from ``SECRET_KEY`` so a
development install works out of the box. A token is ``"v1:" + urlsafe-base64(nonce ‖
ciphertext ‖ tag)``; the associated data binds a token to its purpose (``"mynumber"``), so
a token cannot be replayed into another kind of field.

Plaintext never leaves this module except as the return value of ``decrypt_text``.
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v1:"
_NONCE_BYTES = 12


class DecryptionError(ValueError):
    """The token was not made with our key (or was altered). The message holds no secret."""


@lru_cache(maxsize=4)
def _key_for(secret: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(secret.encode() + b"=" * (-len(secret) % 4))
        if len(raw) == 32:
            return raw
    except (binascii.Error, ValueError):
        pass
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"madoguchi-field-encryption", info=b"v1").derive(
        secret.encode()
    )


def field_key() -> bytes:
    return _key_for(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or settings.SECRET_KEY)


def encrypt_text(plaintext: str, *, purpose: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(field_key()).encrypt(nonce, plaintext.encode(), purpose.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def decrypt_text(token: str, *, purpose: str) -> str:
    if not is_token(token):
        raise DecryptionError("not a token")
    body = token[len(PREFIX) :]
    try:
        blob = base64.urlsafe_b64decode(body.encode() + b"=" * (-len(body) % 4))
        plain = AESGCM(field_key()).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], purpose.encode())
    except (binascii.Error, ValueError, InvalidTag):
        raise DecryptionError("cannot decrypt") from None
    return plain.decode()
