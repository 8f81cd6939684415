"""Read FAQ files (CSV or JSON; UTF-8 with or without BOM, or Shift_JIS) into rows.

Column names may be English (question, answer, category, subcategory, keywords, visibility,
review_on, id) or Japanese (質問, 回答, 分類, 小分類, キーワード, 公開範囲, 見直し予定日, 番号); the
faq-kosodate format (faq_id, question, answer, category1, category2, service_name) is read too.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from madoguchi.core import textfiles

HEADER_ALIASES = {
    "質問": "question",
    "問い": "question",
    "回答": "answer",
    "答え": "answer",
    "分類": "category",
    "カテゴリ": "category",
    "カテゴリー": "category",
    "大分類": "category",
    "小分類": "subcategory",
    "キーワード": "keywords",
    "公開範囲": "visibility",
    "見直し予定日": "review_on",
    "番号": "id",
    "出典": "attribution",
}
VISIBILITY_ALIASES = {
    "一般公開": "public",
    "公開": "public",
    "職員のみ": "staff",
    "職員": "staff",
    "内部": "staff",
}


class ImportFileError(Exception):
    """The whole file cannot be read (wrong format or encoding)."""


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first, then Shift_JIS (cp932, as Excel on Windows saves)."""
    try:
        return textfiles.decode_text(raw).text  # core/textfiles.py
    except textfiles.UnreadableFile as exc:
        raise ImportFileError(
            "文字コードを判別できません。UTF-8 または Shift_JIS で保存してください。"
        ) from exc


def _normalize_row(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        name = str(key).strip().lstrip("\ufeff")
        name = HEADER_ALIASES.get(name, name.lower())
        if isinstance(value, str):
            value = value.strip()
        out[name] = value
    visibility = out.get("visibility")
    if isinstance(visibility, str) and visibility in VISIBILITY_ALIASES:
        out["visibility"] = VISIBILITY_ALIASES[visibility]
    return out


def parse(raw: bytes, *, filename: str = "") -> list[tuple[int, dict[str, Any]]]:
    """(row number as a person counts it, row). JSON rows count from 1, CSV rows from 2 (after the header)."""
    text = decode(raw)
    stripped = text.lstrip()
    is_json = filename.lower().endswith(".json") or stripped.startswith(("[", "{"))
    if is_json:
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"JSON の形式が正しくありません（{exc.lineno}行目）。") from exc
        if isinstance(data, dict):
            data = data.get("faqs") or data.get("items") or []
        if not isinstance(data, list):
            raise ImportFileError("JSON は FAQ の配列にしてください。")
        rows = []
        for number, item in enumerate(data, start=1):
            rows.append((number, _normalize_row(item) if isinstance(item, dict) else {"__invalid__": True}))
        return rows
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportFileError("CSV の1行目に見出し（question, answer など）が必要です。")
    headers = {
        HEADER_ALIASES.get(h.strip().lstrip("\ufeff"), h.strip().lower()) for h in reader.fieldnames if h
    }
    if not {"question", "answer"} <= headers:
        raise ImportFileError("CSV の見出しに question（質問）と answer（回答）の列が必要です。")
    return [(number, _normalize_row(row)) for number, row in enumerate(reader, start=2)]


def read_file(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"ファイルを読めません: {path}") from exc
    return parse(raw, filename=path.name)
