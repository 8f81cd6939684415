"""Find people's names in Japanese free text, to mask them (feedback comments).

SudachiPy's dictionary (already a dependency, for the search) tags surnames and given names as
``名詞,固有名詞,人名``: 山田, 佐藤花子, タナカ, わたなべ. A word the dictionary does not know, or a
proper noun it does not call a name, counts as a name when an honorific or a job title follows it
(○○さん, ○○様, ○○課長): people write about staff that way. Ordinary nouns before an honorific
stay (職員さん, 係の方). Place names (新宿) are not names. Latin-letter names are found by their
title or honorific (Mr. Tanaka, Yamada-san).

The dictionary is the process's one (``core/sudachi.py``, shared with the site search), loaded on
first use; tokenizers are per thread; text without any CJK or Latin letters is not analysed at all.
"""

from __future__ import annotations

import re
from typing import Any

from madoguchi.core import sudachi

HONORIFICS = frozenset({"さん", "様", "さま", "氏", "君", "くん", "ちゃん", "殿", "どの", "先生"})
TITLES = frozenset(
    {"課長", "係長", "部長", "主任", "主事", "主査", "所長", "室長", "局長", "区長", "市長", "補佐", "担当者"}
)
# Names written in Latin letters: "Mr. Tanaka", "Yamada-san".
_LATIN = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?"
    r"|\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?-(?:san|sama|kun|chan|sensei|shi)\b"
)
_LETTERS = re.compile(r"[A-Za-z\u3041-\u30ff\u3400-\u9fff]")
_MAX_CHUNK = 4000  # Sudachi refuses very long inputs

_tokenizer = sudachi.tokenizer  # the process's one dictionary, shared with the search


def _is_name(pos: tuple[str, ...]) -> bool:
    return pos[0] == "名詞" and pos[1] == "固有名詞" and pos[2] == "人名"


def _may_be_name(morpheme: Any) -> bool:
    """Unknown words and proper nouns other than places (before an honorific)."""
    pos = morpheme.part_of_speech()
    if morpheme.is_oov():
        return True
    return pos[0] == "名詞" and pos[1] == "固有名詞" and pos[2] != "地名"


def person_name_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the names in ``text``, merged when adjacent."""
    if not text or not _LETTERS.search(text):
        return []
    spans: list[tuple[int, int]] = []
    offset = 0
    for chunk in _chunks(text):
        morphemes = list(_tokenizer().tokenize(chunk))
        for index, morpheme in enumerate(morphemes):
            following = morphemes[index + 1].surface() if index + 1 < len(morphemes) else ""
            before_honorific = following in HONORIFICS or following in TITLES
            if _is_name(morpheme.part_of_speech()) or (before_honorific and _may_be_name(morpheme)):
                start, end = offset + morpheme.begin(), offset + morpheme.end()
                if spans and spans[-1][1] == start:
                    spans[-1] = (spans[-1][0], end)
                else:
                    spans.append((start, end))
        offset += len(chunk)
    return spans


def _chunks(text: str) -> list[str]:
    chunks: list[str] = []
    buffer = ""
    for line in text.splitlines(keepends=True):
        while len(line) > _MAX_CHUNK:
            chunks.append(line[:_MAX_CHUNK])
            line = line[_MAX_CHUNK:]
        if len(buffer) + len(line) > _MAX_CHUNK and buffer:
            chunks.append(buffer)
            buffer = ""
        buffer += line
    if buffer:
        chunks.append(buffer)
    return chunks


def mask_person_names(text: str, label: str) -> tuple[str, int]:
    """``text`` with each name replaced by ``label``; and how many were replaced."""
    text, latin = _LATIN.subn(label, text)
    spans = person_name_spans(text)
    if not spans:
        return text, latin
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(label)
        last = end
    parts.append(text[last:])
    return "".join(parts), latin + len(spans)
