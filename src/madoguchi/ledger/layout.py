"""The standard layout of a 被災者台帳 file (docs/ledger.md) and how a header row is matched to it.

A file in the standard layout is read at once. Another layout is mapped once on screen
(standard column → the file's column); the mapping is remembered for that municipality by the
file's header row (``signature``), so the next file with the same header is read at once too.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from madoguchi.ledger.constants import SupportKind


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    hint: str = ""


STANDARD_COLUMNS: tuple[Column, ...] = (
    Column(
        "source_key",
        "台帳番号",
        True,
        ("整理番号", "被災者番号", "台帳No", "番号"),
        _("区市町村の台帳での番号（ファイル内で重複しないこと）"),
    ),
    Column("name", "氏名", True, ("名前", "氏名漢字"), _("姓と名の間は空白（例: 山田 花子）")),
    Column(
        "kana",
        "フリガナ",
        True,
        ("ふりがな", "カナ氏名", "氏名カナ", "氏名フリガナ", "カナ"),
        _("カタカナかひらがな"),
    ),
    Column("birth_date", "生年月日", True, (), _("2024-04-01、2024/4/1、昭和50年4月1日、S50.4.1 など")),
    Column("sex", "性別", False, (), _("男・女・その他（空欄は不明）")),
    Column(
        "address",
        "住所(住民票上)",
        True,
        ("住民票上の住所", "住民票住所", "住所", "住民登録地"),
        _("住民票上の住所"),
    ),
    Column(
        "current_address",
        "現在地",
        False,
        ("現住所", "居所", "現在の居所", "住所(現在地)"),
        _("今いる場所の住所"),
    ),
    Column(
        "damage_level",
        "住家の被害状況",
        False,
        ("被害状況", "住家被害", "被害の程度", "住家の被害"),
        _("全壊・大規模半壊・中規模半壊・半壊・準半壊・一部損壊・被害なし（空欄は未判定）"),
    ),
    Column("certificate_number", "罹災証明書番号", False, ("罹災証明番号", "証明書番号"), ""),
    Column(
        "certificate_date", "罹災証明書交付日", False, ("交付日", "罹災証明交付日"), _("番号があるときは必須")
    ),
    Column("shelter", "避難先", False, ("避難所", "避難場所"), _("避難所の名前または住所")),
    Column("phone", "連絡先", False, ("電話番号", "電話"), _("電話番号")),
    Column("needs_care", "要配慮者", False, ("要配慮", "要支援者"), _("はい・いいえ（○・空欄も可）")),
) + tuple(
    Column(
        f"support_{kind.value}",
        f"援護:{kind.label}",
        False,
        (f"援護({kind.label})", str(kind.label)),
        _("未申請・申請中・実施済・対象外（空欄は未申請）"),
    )
    for kind in SupportKind
)
COLUMNS_BY_KEY = {c.key: c for c in STANDARD_COLUMNS}
REQUIRED_KEYS = [c.key for c in STANDARD_COLUMNS if c.required]

_STRIP = re.compile(r"[\s\u3000()（）\[\]【】「」:：・_\-]")


def header_form(text: object) -> str:
    """The form of a header that is compared: NFKC, no spaces, brackets or colons."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", str(text or ""))).lower()


_LOOKUP: dict[str, str] = {}
for _column in STANDARD_COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _LOOKUP.setdefault(header_form(_name), _column.key)


def signature(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(header_form(h) for h in headers).encode()).hexdigest()


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """standard key → header text, for every header that names a standard column."""
    mapping: dict[str, str] = {}
    for header in headers:
        key = _LOOKUP.get(header_form(header))
        if key and key not in mapping:
            mapping[key] = header
    return mapping


def is_complete(mapping: dict[str, str]) -> bool:
    return all(mapping.get(key) for key in REQUIRED_KEYS)


def column_indexes(headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """standard key → column index in the file."""
    positions = {header: i for i, header in reversed(list(enumerate(headers)))}
    return {key: positions[header] for key, header in mapping.items() if header in positions}


def check_mapping(headers: list[str], mapping: dict[str, str]) -> dict[str, list[str]]:
    """Per-field errors of a mapping made on screen (required columns, a column used twice)."""
    errors: dict[str, list[str]] = {}
    used: dict[str, str] = {}
    for column in STANDARD_COLUMNS:
        header = mapping.get(column.key, "")
        if not header:
            if column.required:
                errors[column.key] = [
                    str(_("「%(column)s」にあたる列を選んでください。") % {"column": column.header})
                ]
            continue
        if header not in headers:
            errors[column.key] = [str(_("ファイルにない列です。一覧から選んでください。"))]
        elif header in used:
            errors[column.key] = [
                str(
                    _("「%(header)s」の列は「%(other)s」にも選ばれています。")
                    % {"header": header, "other": COLUMNS_BY_KEY[used[header]].header}
                )
            ]
        else:
            used[header] = column.key
    return errors
