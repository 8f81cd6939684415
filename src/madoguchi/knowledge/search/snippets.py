"""Snippets: the passage that best matches the query, HTML-escaped, with <mark> on matches."""

from __future__ import annotations

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

from madoguchi.core import sudachi
from madoguchi.knowledge.search import analyzer

WINDOW = 110
_SENTENCE = re.compile(r"(?<=[。！？!?\n])")


def _best_passage(body: str, grams: set[str]) -> str:
    body = body.strip()
    if len(body) <= WINDOW:
        return body
    sentences = [s for s in _SENTENCE.split(body) if s.strip()]
    best, best_score = 0, -1.0
    for i, sentence in enumerate(sentences):
        found = analyzer.bigrams(sentence)
        score = sum(1 for g in set(found) if g in grams) / (1 + len(found) ** 0.5 * 0.1)
        if score > best_score:
            best, best_score = i, score
    passage = ""
    for sentence in sentences[best:]:
        passage += sentence
        if len(passage) >= WINDOW:
            break
    passage = passage.strip()
    if len(passage) > WINDOW + 20:
        passage = passage[:WINDOW] + "…"
    if best > 0:
        passage = "…" + passage
    return passage


def highlight(text: str, terms: set[str]) -> SafeString:
    """Escape ``text`` and wrap the morphemes whose normalized term is in ``terms`` in <mark>."""
    if not text:
        return mark_safe("")
    if not terms:
        return mark_safe(escape(text))
    out: list[str] = []
    position = 0
    spans: list[tuple[int, int]] = []
    for start, end, term in _morpheme_spans(text):
        if term in terms:
            if spans and spans[-1][1] == start:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    for start, end in spans:
        out.append(escape(text[position:start]))
        out.append("<mark>" + escape(text[start:end]) + "</mark>")
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


def _morpheme_spans(text: str):
    """(start, end, normalized term) in the original text (no NFKC shift: tokenized as is)."""
    tokenizer = sudachi.tokenizer()
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            for m in tokenizer.tokenize(line):
                term = analyzer.fold_kana(analyzer.normalize(m.normalized_form()))
                yield offset + m.begin(), offset + m.end(), term
        offset += len(line)


def make_snippet(*, body: str, terms: set[str], grams: set[str]) -> SafeString:
    passage = _best_passage(body.replace("\r", ""), grams).replace("\n", " ")
    return highlight(passage, terms)
