"""The signed link in a notification that stops the notifications about one proposal for its
recipient (「お知らせを止める」), usable from the mail without signing in."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

MUTE_SALT = "madoguchi.ideas.mute"
MUTE_MAX_AGE = 60 * 60 * 24 * 365


@dataclass(frozen=True)
class MuteRequest:
    user_id: int
    proposal_id: int


def mute_token(*, user_id: int, proposal_id: int) -> str:
    return signing.dumps({"u": user_id, "p": proposal_id}, salt=MUTE_SALT, compress=True)


def read_mute_token(token: str) -> MuteRequest | None:
    try:
        data = signing.loads(token, salt=MUTE_SALT, max_age=MUTE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("p"), int):
        return None
    return MuteRequest(user_id=data["u"], proposal_id=data["p"])
