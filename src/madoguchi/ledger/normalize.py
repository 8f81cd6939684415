"""名寄せ normalization: the forms of names, readings, dates and addresses that are compared.

Every rule here exists because the same person is written differently by two municipalities:

- **Names** (漢字): NFKC (全角英数 → 半角, compatibility ideographs such as 神 → 神), every run of
  spaces removed, and 旧字体・異体字 folded to the common form (髙→高, 﨑→崎, 齋/齊/斉→斎,
  邊/邉→辺 …; ``ITAIJI``). No maintained package folds 異体字 in names (decision 0022), so
  the table is ours and deliberately short: only variants that occur in personal names.
- **Readings** (フリガナ): NFKC (半角ｶﾅ → 全角), ひらがな → カタカナ (jaconv), spaces and ・
  removed ("strict"). The "loose" form also folds what people hear alike: small kana → large
  (ッ→ツ, ャ→ヤ), ヂ→ジ, ヅ→ズ, ヴ→ブ, ヲ→オ, ヰ→イ, ヱ→エ, and long vowels (ー, and ウ/オ
  after an お-row kana: サトウ = サトー = サトオ → サト).
- **Dates**: the project's 和暦 parser (``procedures.wareki.parse_date``: 昭和50年4月1日, S50.4.1,
  R6/4/1, 2024-04-01, 20240401, 全角 digits), Excel dates, and a trailing time (``1975/4/1 0:00``).
- **Addresses**: NFKC, spaces removed, hyphens unified, 漢数字 in 丁目・番・号 → digits,
  「1丁目2番3号」「1丁目2番地3」→「1-2-3」, and the 都道府県 dropped, so 東京都新宿区西新宿二丁目8番1号
  and 新宿区西新宿2-8-1 compare equal.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import jaconv

from madoguchi.procedures import wareki
from madoguchi.procedures.normalize import HYPHENS, digits_only

# 旧字体・異体字 → the form used in the 住民基本台帳 of most people (one direction only).
ITAIJI: dict[str, str] = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "碕": "崎",
    "齋": "斎",
    "齊": "斎",
    "斉": "斎",
    "邊": "辺",
    "邉": "辺",
    "澤": "沢",
    "濱": "浜",
    "濵": "浜",
    "廣": "広",
    "國": "国",
    "櫻": "桜",
    "藏": "蔵",
    "德": "徳",
    "眞": "真",
    "惠": "恵",
    "榮": "栄",
    "壽": "寿",
    "嶋": "島",
    "嶌": "島",
    "冨": "富",
    "槇": "槙",
    "淵": "渕",
    "瀨": "瀬",
    "穗": "穂",
    "戶": "戸",
    "彌": "弥",
    "實": "実",
    "學": "学",
    "來": "来",
    "萬": "万",
    "條": "条",
    "兒": "児",
    "緖": "緒",
    "曾": "曽",
    "增": "増",
    "黑": "黒",
    "靜": "静",
    "淸": "清",
    "龍": "竜",
    "桒": "桑",
    "舘": "館",
}
_ITAIJI_TABLE = str.maketrans(ITAIJI)
# Ideographic variation selectors (U+E0100–E01EF) and standard variation selectors.
_VARIATION_SELECTORS = re.compile("[\U000e0100-\U000e01ef\ufe00-\ufe0f]")
_SPACES = re.compile(r"[\s\u3000]+")

SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
SOUND_ALIKE = str.maketrans({"ヂ": "ジ", "ヅ": "ズ", "ヴ": "ブ", "ヲ": "オ", "ヰ": "イ", "ヱ": "エ"})
_O_ROW = "オコソトノホモヨロゴゾドボポョ"
_LONG_O = re.compile(f"(?<=[{_O_ROW}])[ウオ]")
_KANA_ONLY = re.compile(r"[\u30a1-\u30fa\u30fc]*")
_LONG_VOWEL_LIKE = re.compile(r"(?<=[\u3041-\u3096\u30a1-\u30fa])[-‐‑‒–—―−－~〜～]")


class NormalizeError(ValueError):
    """The value cannot be read; ``message`` is plain Japanese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------- names


def clean_text(value: str) -> str:
    """NFKC, line breaks and runs of spaces → one space, trimmed.

    ``str.split()`` splits on exactly the characters ``\\s`` matches (``str.isspace``, U+3000
    included) and is several times faster than the regular expression on the upload path."""
    return " ".join(unicodedata.normalize("NFKC", value or "").split())


def fold_name(value: str) -> str:
    """The form of a 漢字 name that is compared: NFKC, no spaces, 異体字 folded."""
    value = _VARIATION_SELECTORS.sub("", unicodedata.normalize("NFKC", value or ""))
    return "".join(value.split()).translate(_ITAIJI_TABLE)


def split_name(value: str) -> tuple[str, str]:
    """("山田", "花子") from "山田 花子"; ("山田花子", "") when no space separates them."""
    parts = clean_text(value).split(" ", 1)
    return (parts[0], parts[1] if len(parts) > 1 else "")


# ---------------------------------------------------------------------------- readings


def to_kana(value: str) -> str:
    """A reading in 全角カタカナ with one space between family and given name.

    Raises NormalizeError when letters other than kana remain (漢字 typed into フリガナ).
    """
    value = unicodedata.normalize("NFKC", value or "")
    value = _LONG_VOWEL_LIKE.sub("ー", value)
    value = jaconv.hira2kata(value).replace("・", " ")
    value = _SPACES.sub(" ", value).strip()
    if not _KANA_ONLY.fullmatch(value.replace(" ", "")):
        raise NormalizeError("フリガナはカタカナかひらがなで書いてください（漢字・英字は使えません）。")
    return value


def kana_strict(kana: str) -> str:
    """The reading without spaces, exactly as written."""
    return kana.replace(" ", "")


def kana_loose(kana: str) -> str:
    """The reading as heard: small → large kana, ヂ→ジ, ヅ→ズ, long vowels dropped."""
    value = kana_strict(kana).translate(SMALL_TO_LARGE).translate(SOUND_ALIKE)
    value = value.replace("ー", "")
    return _LONG_O.sub("", value)


# ---------------------------------------------------------------------------- dates

_TRAILING_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")


def parse_date(value: object) -> dt.date:
    """A date from a cell: a date/datetime (Excel), or text in any common Japanese form."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _TRAILING_TIME.sub("", unicodedata.normalize("NFKC", str(value)).strip())
    try:
        return wareki.parse_date(text)
    except wareki.WarekiError as exc:
        raise NormalizeError(str(exc.message)) from None


# ---------------------------------------------------------------------------- addresses

_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile("[〇一二三四五六七八九十百]+(?=丁目|番|号|-|$)")
_CHOME = re.compile(r"(\d+)丁目")
_BANCHI = re.compile(r"(\d+)番地?")
_GO = re.compile(r"(\d+)号")
_HYPHEN_TABLE = str.maketrans(dict.fromkeys(HYPHENS, "-"))
_HYPHEN_RUN = re.compile("-+")
_KANJI_NUMBER_CHARS = frozenset("〇一二三四五六七八九十百")
_PREFECTURE = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}県)")


def kanji_to_int(text: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23, 百五 → 105, 二〇五 → 205."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _KANJI_DIGITS[char]
    return total + current


def normalize_address(value: str) -> str:
    """The comparable form of an address (see the module docstring). Each rewrite runs only
    when its marker is in the text: most addresses need two or three of the seven."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split()).translate(_HYPHEN_TABLE)
    if _KANJI_NUMBER_CHARS.intersection(text):
        text = _KANJI_NUMBER.sub(lambda m: str(kanji_to_int(m.group(0))), text)
    if "丁目" in text:
        text = _CHOME.sub(r"\1-", text)
    if "番" in text:
        text = _BANCHI.sub(r"\1-", text)
    if "号" in text:
        text = _GO.sub(r"\1", text)
    if "--" in text:
        text = _HYPHEN_RUN.sub("-", text)
    return _PREFECTURE.sub("", text.rstrip("-"))


_DIGIT = re.compile(r"\d")


def address_town(normalized: str) -> str:
    """The address up to the town (before the first digit): 新宿区西新宿2-8-1 → 新宿区西新宿."""
    match = _DIGIT.search(normalized)
    return normalized[: match.start()] if match else normalized


def find_municipality(address: str, names: dict[str, int]) -> int | None:
    """The id of the municipality whose name the address contains (longest name wins)."""
    return MunicipalityFinder(names).find(normalize_address(address))


class MunicipalityFinder:
    """``find_municipality`` for many addresses already normalized: the names at the start are
    looked up by prefix length (a handful of dictionary look-ups instead of a scan of every
    municipality); only an address that starts with none is scanned for a name inside it."""

    def __init__(self, names: dict[str, int]):
        self.names = {name: org_id for name, org_id in names.items() if name}
        self.lengths = sorted({len(name) for name in self.names}, reverse=True)

    def find(self, normalized: str) -> int | None:
        for length in self.lengths:
            org_id = self.names.get(normalized[:length])
            if org_id is not None:
                return org_id
        best: tuple[int, int] | None = None
        for name, org_id in self.names.items():
            if name in normalized and (best is None or len(name) > best[0]):
                best = (len(name), org_id)
        return best[1] if best else None


def normalize_phone(value: str) -> str:
    value = value or ""
    if value.isascii() and value.replace("-", "").isdigit():  # 03-1234-5678: most cells
        return value.replace("-", "")
    digits = digits_only(value or "", drop="()（）+")
    return digits or ""
