"""Free text from the public, cleaned before anyone sees it.

``clean_comment`` does three things, in this order:

1. **sanitize**: Unicode NFKC (full-width digits and letters become ASCII, so ``０９０`` is found
   like ``090``), control and bidirectional-override characters removed, runs of blank lines
   collapsed, the length limited. The text is stored and shown as plain text (templates escape
   it); no markup survives.
2. **mask personal data**: e-mail addresses, telephone numbers, 12-digit numbers (マイナンバー
   and anything that looks like one), 受付番号/予約コードs and postal codes are replaced by a
   label such as ［電話番号］, then people's names (Sudachi's 人名 words, and unknown words
   before さん/様/課長…) by ［氏名］. Only the masked text is stored, so a マイナンバー typed into a
   comment never reaches the database in clear.
3. report which kinds were masked, so staff see that something was removed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from madoguchi.core.person_names import mask_person_names
from madoguchi.feedback.constants import COMMENT_MAX_LENGTH

_SEP = r"[\s\-‐－ー―−.]?"
# Order matters: the longest, most specific shapes first.
PATTERNS: list[tuple[str, re.Pattern[str], object]] = [
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), _("［メールアドレス］")),
    # 受付番号 (KYO-2026-000123), 予約コード-like codes: letters, a year, a serial
    ("reference", re.compile(r"\b[A-Za-z]{2,8}-\d{4}-\d{3,8}\b"), _("［受付番号］")),
    # マイナンバー (12 digits, often 4-4-4) and any longer run of digits (口座, 保険証番号)
    (
        "my_number",
        re.compile(rf"(?<!\d)\d{{4}}{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)|(?<!\d)\d{{12,}}(?!\d)"),
        _("［番号］"),
    ),
    # telephone numbers: 0X-XXXX-XXXX, 090…, +81…
    (
        "phone",
        re.compile(rf"(?<!\d)(?:\+81{_SEP}\d{{1,4}}|0\d{{1,4}}){_SEP}\d{{1,4}}{_SEP}\d{{3,4}}(?!\d)"),
        _("［電話番号］"),
    ),
    ("postal", re.compile(r"〒?\s?(?<!\d)\d{3}-\d{4}(?!\d)"), _("［郵便番号］")),
    # 8 or more digits left over (a card or account number written without separators)
    ("number", re.compile(r"(?<!\d)\d{8,}(?!\d)"), _("［番号］")),
]

# People's names (山田さん, 佐藤花子, 鈴木課長, Mr. Tanaka): core/person_names.py, after the patterns.
NAME_LABEL = _("［氏名］")

_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass
class Cleaned:
    text: str
    masked: list[str] = field(default_factory=list)


def sanitize(text: str, *, max_length: int = COMMENT_MAX_LENGTH) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text[:max_length]


def mask_personal_data(text: str) -> Cleaned:
    masked: list[str] = []
    for kind, pattern, label in PATTERNS:
        text, count = pattern.subn(str(label), text)
        if count and kind not in masked:
            masked.append(kind)
    text, count = mask_person_names(text, str(NAME_LABEL))
    if count:
        masked.append("name")
    return Cleaned(text=text, masked=masked)


def clean_comment(text: str, *, max_length: int = COMMENT_MAX_LENGTH) -> Cleaned:
    return mask_personal_data(sanitize(text, max_length=max_length))
