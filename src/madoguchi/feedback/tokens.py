"""Signed links into the review form, and the form's one-time key.

A **visit token** is put on a receipt, a decision page or notice, a counter receipt or a booking
confirmation: it names the review point and the visit (``application:<uuid>``,
``booking:<uuid>``) and is signed with the site's key, so it cannot be made up. The review
stores only ``sha256(visit)`` (a unique column): one review per visit, and nothing that leads
back to the person.

A **nonce** is put in every review form when it is shown: a double submit, a retried request
or the back button stores one review, not two.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core import signing

VISIT_SALT = "madoguchi.feedback.visit"
NONCE_SALT = "madoguchi.feedback.nonce"
VISIT_MAX_AGE = 60 * 60 * 24 * 365  # a receipt may be looked at months later
NONCE_MAX_AGE = 60 * 60 * 24  # a form left open for a day still works


@dataclass(frozen=True)
class Visit:
    point: str  # a ReviewPoint code, or "procedure:<id>" / "ref:<external_ref>"
    visit: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.visit.encode()).hexdigest()


def visit_token(*, point: str, visit: str) -> str:
    return signing.dumps({"p": point, "v": visit}, salt=VISIT_SALT, compress=True)


def read_visit_token(token: str) -> Visit | None:
    try:
        data = signing.loads(token, salt=VISIT_SALT, max_age=VISIT_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), str) or not isinstance(data.get("v"), str):
        return None
    return Visit(point=data["p"], visit=data["v"])


def new_nonce(*, point_code: str) -> str:
    return signing.dumps({"p": point_code, "n": secrets.token_hex(12)}, salt=NONCE_SALT)


def read_nonce(value: str, *, point_code: str) -> str | None:
    """The key to store (a digest), or None when the value is not a nonce of this point's form."""
    try:
        data = signing.loads(value or "", salt=NONCE_SALT, max_age=NONCE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != point_code:
        return None
    return hashlib.sha256(str(data.get("n")).encode()).hexdigest()


def key_digest(value: str) -> str:
    """An API client's Idempotency-Key, stored like a nonce."""
    return hashlib.sha256(("api:" + value).encode()).hexdigest()
