"""Normalization of Japanese text typed by people."""

from __future__ import annotations

import unicodedata


def normalize_text(value: str) -> str:
    """NFC, trim, unify line endings. Keeps 全角 letters as typed (names are names)."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def to_halfwidth_digits(value: str) -> str:
    """全角数字・記号 → 半角 for codes, numbers and phone numbers."""
    return unicodedata.normalize("NFKC", value).strip()
