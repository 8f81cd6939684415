"""Template placeholders in FAQ files: 「○○市」「（電話番号）」「（○日が休日の場合…）」.

Open FAQ sets such as 子育てオープンデータ協議会「汎用FAQ」 are templates: each municipality is
meant to fill in its own name, phone number, opening hours and links. Imported as they are, the
placeholders would be shown to residents. ``fill`` replaces the ones an organization has values
for (a fills file: ``{"○○市": "新宿区", "（電話番号）": "03-…"}``; an empty value removes the
placeholder, and a link line such as 「▼詳しくはこちら」 whose URL was removed goes with it);
``find`` lists what is left, and the importer skips and reports such entries.
"""

from __future__ import annotations

import re

# 「○○市」「●●県」「○日」「○時○分」「△階」「×面」, template notes in full-width brackets (one inside
# another, too) that name what to
# write (URL, 電話番号, 名称, 開庁時間, 住所 …), and editorial instructions left in the text.
PLACEHOLDER = re.compile(
    r"[○〇●◯◎△▲□■×]+[^\s、。，．（）「」]{0,6}"
    # a note with a note inside: 「（申請場所（自治体の担当課、支所・出張所等））」
    r"|（[^（）\n]{0,20}（[^（）\n]*(?:自治体|担当課)[^（）\n]*）[^（）\n]{0,10}）"
    r"|（[^（）\n]*(?:URL|ＵＲＬ|電話番号|名称|開庁時間|住所|宛名)[^（）\n]*）"
    r"|（[^（）\n]*(?:記載してください|記載することも考えられ)[^（）\n]*）?"
    # what the municipality is to name: 「（自治体の粗大ごみ受付センター等）」「（…申請書名）」
    r"|（自治体[^（）\n]*）|（[^（）\n]*(?:申請書名|様式名|窓口名)）"
    # a question whose subject is a note to fill in: 「（保育園等に在籍する保護者向け緊急メール等）について」
    r"|(?m:^)（[^（）\n]{2,40}）(?=について|がほしい|の|を|が|は)"
)
_URL_LINE = re.compile(r"^（[^（）]*URL[^（）]*）[」』]?$")
_POINTER = re.compile(r"こちら|▼")


def find(text: str) -> list[str]:
    """The placeholders left in ``text``, in order, without repeats."""
    seen: list[str] = []
    for match in PLACEHOLDER.finditer(text or ""):
        value = match.group(0).strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def fill(text: str, fills: dict[str, str]) -> str:
    """Replace the placeholders ``fills`` has values for (longest first)."""
    if not text or not fills:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if _URL_LINE.match(stripped):
            key = stripped.rstrip("」』")
            if key in fills and not fills[key]:
                # the link itself is gone: so is the line that pointed to it
                if kept and _POINTER.search(kept[-1]):
                    kept.pop()
                continue
        kept.append(line)
    text = "\n".join(kept)
    for key in sorted(fills, key=len, reverse=True):
        text = text.replace(key, fills[key])
    return re.sub(r"\n{3,}", "\n\n", text).strip()
