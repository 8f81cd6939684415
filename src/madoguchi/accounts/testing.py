"""Test helpers for the doors (import from tests only)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from madoguchi.accounts.constants import AuthLevel, AuthMethod


def mark_session(client: Any, *, level: str, method: str) -> None:
    from madoguchi.accounts.sessions import SESSION_AUTH_KEY

    session = client.session
    session[SESSION_AUTH_KEY] = {"level": str(level), "method": str(method), "at": int(time.time())}
    session.save()


@contextlib.contextmanager
def patch_force_login() -> Iterator[None]:
    """Make ``Client.force_login`` mark the session the way the user's own door would."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        from madoguchi.accounts.permissions import has_staff_powers

        original(self, user, backend)
        if has_staff_powers(user):
            mark_session(self, level=AuthLevel.STAFF, method=AuthMethod.PASSWORD_TOTP)
        else:
            mark_session(self, level=AuthLevel.APPLICANT, method=AuthMethod.EMAIL_LINK)

    Client.force_login = force_login
    try:
        yield
    finally:
        Client.force_login = original


class FakeAuthenticator:
    """A software passkey for tests: makes the registration and authentication responses a
    browser would send, signed with a fresh P-256 key (``cryptography``), so the server's real
    verification (the ``webauthn`` package) runs without a browser or a device."""

    def __init__(self, *, rp_id: str = "testserver", origin: str = "http://testserver") -> None:
        import os

        from cryptography.hazmat.primitives.asymmetric import ec

        self.rp_id, self.origin = rp_id, origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.sign_count = 0

    @staticmethod
    def b64(data: bytes) -> str:
        import base64

        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    def _client_data(self, kind: str, options: dict[str, Any]) -> bytes:
        import json

        return json.dumps({"type": kind, "challenge": options["challenge"], "origin": self.origin}).encode()

    def _auth_data(self, flags: int, extra: bytes = b"") -> bytes:
        import hashlib

        self.sign_count += 1
        return (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([flags])
            + self.sign_count.to_bytes(4, "big")
            + extra
        )

    def register(self, options: dict[str, Any]) -> dict[str, Any]:
        """The answer to ``navigator.credentials.create`` (attestation "none")."""
        import cbor2

        numbers = self.key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
        )
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + cose_key
        auth_data = self._auth_data(0x45, attested)  # user present + verified + attested data
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": self.b64(self.credential_id),
            "rawId": self.b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": self.b64(self._client_data("webauthn.create", options)),
                "attestationObject": self.b64(attestation),
                "transports": ["internal"],
            },
        }

    def sign_in(self, options: dict[str, Any]) -> dict[str, Any]:
        """The answer to ``navigator.credentials.get``."""
        import hashlib

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        client_data = self._client_data("webauthn.get", options)
        auth_data = self._auth_data(0x05)  # user present + verified
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.b64(self.credential_id),
            "rawId": self.b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": self.b64(client_data),
                "authenticatorData": self.b64(auth_data),
                "signature": self.b64(signature),
                "userHandle": None,
            },
        }
