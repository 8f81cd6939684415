"""Plain text typed by people: NFC, control and bidi-override characters removed, trimmed."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_text(value: str, *, max_length: int) -> str:
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()[: max_length + 1]  # one over: the length check can see it
