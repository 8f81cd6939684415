"""Signed passes (admitted visitors) and signed client ids (who holds a ticket), as cookies:
``django.core.signing``'s values, signed with the key derived once per secret (``core/signer.py``)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing

from madoguchi.core import signer
from madoguchi.reservations.waiting_room.conf import config

PASS_COOKIE = "mdg_wr_pass"
CLIENT_COOKIE = "mdg_wr_client"
CLIENT_COOKIE_AGE = 24 * 3600
_PASS_SALT = "madoguchi.reservations.waiting-room.pass"
_CLIENT_SALT = "madoguchi.reservations.waiting-room.client"


def pass_issue(scope: str) -> str:
    return signer.dumps({"s": scope}, salt=_PASS_SALT)


def pass_valid(value: str | None, scope: str) -> bool:
    if not value:
        return False
    try:
        data = signer.loads(value, salt=_PASS_SALT, max_age=int(config()["pass_ttl"]))
    except signing.BadSignature:  # includes SignatureExpired
        return False
    return data.get("s") == scope


def client_new() -> str:
    return secrets.token_urlsafe(12)


def client_issue(client: str) -> str:
    return signer.dumps({"c": client}, salt=_CLIENT_SALT)


def client_read(value: str | None) -> str:
    """The client id from a signed cookie value, or "" when missing, forged or too old."""
    if not value:
        return ""
    try:
        data = signer.loads(value, salt=_CLIENT_SALT, max_age=CLIENT_COOKIE_AGE)
    except signing.BadSignature:
        return ""
    client = data.get("c")
    return client if isinstance(client, str) and 0 < len(client) <= 64 else ""


def pass_cookie_name(scope: str) -> str:
    return PASS_COOKIE + "_" + scope.replace(":", "_")


def set_pass_cookie(response, scope: str) -> None:
    response.set_cookie(
        pass_cookie_name(scope),
        pass_issue(scope),
        max_age=config()["pass_ttl"],
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path="/",
    )


def set_client_cookie(response, client: str) -> None:
    response.set_cookie(
        CLIENT_COOKIE,
        client_issue(client),
        max_age=CLIENT_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path="/",
    )
