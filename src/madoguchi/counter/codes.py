"""One-time hand-over codes: readable alphabet, normalization and the keyed hash we store."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings

# No 0/O, 1/I/L: the code is read aloud or typed from a phone screen.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
LIFETIME = timedelta(minutes=30)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _i in range(LENGTH))


def normalize(code: str) -> str:
    """Upper-case, drop spaces and hyphens: "abcd-2345" → "ABCD2345"."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -\u3000")


def looks_valid(code: str) -> bool:
    code = normalize(code)
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def code_hash(code: str) -> str:
    key = f"madoguchi.counter.handoff:{settings.SECRET_KEY}".encode()
    return hmac.new(key, normalize(code).encode(), hashlib.sha256).hexdigest()


def display(code: str) -> str:
    code = normalize(code)
    return f"{code[:4]}-{code[4:]}"
