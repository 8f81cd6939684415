"""Normalization of Japanese text typed by people."""

from __future__ import annotations

import re
import unicodedata

import jaconv

# Characters people type for a hyphen or dash in numbers and codes (after NFKC).
HYPHENS = "-‐‑‒–—―−ー－ｰ"
_HYPHEN_RE = re.compile(f"[{re.escape(HYPHENS)}]")
_SPACE_RE = re.compile(r"\s+")


def normalize_text(value: str) -> str:
    """NFC, trim, unify line endings. Keeps 全角 letters as typed (names are names)."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def to_halfwidth_digits(value: str) -> str:
    """全角数字・記号 → 半角 for codes, numbers and phone numbers."""
    return unicodedata.normalize("NFKC", value).strip()


def to_halfwidth(value: str) -> str:
    """NFKC (全角英数記号 → 半角, 半角カナ → 全角カナ, ㍻ → 平成), trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def remove_spaces(value: str) -> str:
    return _SPACE_RE.sub("", value)


def unify_hyphens(value: str, to: str = "-") -> str:
    """Every hyphen-like character (ー, －, −, ‐ …) → ``to``."""
    return _HYPHEN_RE.sub(to, value)


def digits_only(value: str, *, drop: str = "") -> str | None:
    """半角化 and remove spaces, hyphens and the characters in ``drop``.

    Returns the digits, or None when anything other than digits remains.
    """
    value = unify_hyphens(remove_spaces(to_halfwidth(value)), "")
    for char in drop:
        value = value.replace(char, "")
    return value if value.isascii() and value.isdigit() else None


def loose_key(value: object) -> str:
    """Text compared loosely (a spreadsheet's header or option label): NFKC, no spaces at all."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().replace(" ", "").replace("　", "")


# 全角 symbols and the 全角 space stay as typed in text: （株）, ！, 「」 are Japanese punctuation.
_KEEP_FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F) if not chr(c).isalnum()) + "\u3000"


def fold_width(value: str) -> str:
    """全角 letters and digits → 半角 (ＡＢ１２３ → AB123), everything else as typed (jaconv)."""
    return jaconv.z2h(value, kana=False, ascii=True, digit=True, ignore=_KEEP_FULLWIDTH)
