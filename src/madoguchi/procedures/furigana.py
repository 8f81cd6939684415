"""フリガナ: readings of names in 全角カタカナ.

What people type is converted where the intent is clear — ひらがな → カタカナ,
半角カナ → 全角カナ, hyphen-like marks after kana → 長音「ー」, any run of spaces → one
全角スペース. Anything else (漢字, アルファベット, 数字) is refused, so the reading can
be used for sorting, bank transfers and name matching.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

KANA_SPACE = "\u3000"
# ァ-ヺ (incl. ヴヵヶヷ-ヺ), ・, ー, ヽヾ
_KATAKANA_RE = re.compile(r"[\u30a1-\u30fa\u30fb\u30fc\u30fd\u30fe\u3000]+")
_LONG_VOWEL_LIKE = re.compile(r"(?<=[\u3041-\u3096\u30a1-\u30fa])[-‐‑‒–—―−－~〜～]")
_SPACES = re.compile(r"[\s\u3000]+")


class FuriganaError(ValueError):
    pass


def to_katakana(text: str) -> str:
    """Normalize a reading to 全角カタカナ. Raises FuriganaError if other letters remain."""
    value = unicodedata.normalize("NFKC", text)  # 半角ｶﾅ → 全角, ｶﾞ → ガ
    value = _LONG_VOWEL_LIKE.sub("ー", value)
    value = jaconv.hira2kata(value)
    value = _SPACES.sub(KANA_SPACE, value.strip())
    if value and not _KATAKANA_RE.fullmatch(value):
        raise FuriganaError(value)
    return value


def is_katakana(text: str) -> bool:
    return bool(_KATAKANA_RE.fullmatch(text))
