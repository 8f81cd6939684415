"""The synonym dictionary: built-in entries (data/synonyms_ja.txt) plus staff-edited ones.

An entry is a list of source expressions and a list of target expressions. A query "uses" a
source expression when the expression's terms appear in a row in the query's terms (so
conjugations match: なくす matches なくしちゃった) or, for expressions with kanji/katakana or of
three characters or more, when its search key is a substring of the query's search key.
The query then also searches the target expressions' terms, with a lower weight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from madoguchi.knowledge.search import analyzer

BUILTIN_PATH = Path(__file__).resolve().parent.parent / "data" / "synonyms_ja.txt"
_SPLIT = re.compile(r"\s*[,、，]\s*")
_HIRAGANA_ONLY = re.compile(r"^[\u3041-\u309fー]+$")


@dataclass(frozen=True)
class Expression:
    text: str
    terms: tuple[str, ...]
    key: str


@dataclass
class SynonymSet:
    """Compiled entries: source expression → target terms."""

    by_first_term: dict[str, list[tuple[Expression, frozenset[str]]]] = field(default_factory=dict)
    by_key: list[tuple[Expression, frozenset[str]]] = field(default_factory=list)
    size: int = 0

    def add(self, sources: Iterable[str], targets: Iterable[str]) -> None:
        target_terms: set[str] = set()
        for target in targets:
            terms = _expression(target).terms
            if len(terms) == 1:
                target_terms.update(t for t in terms if len(t) >= 2 or not _HIRAGANA_ONLY.match(t))
            else:  # parts of a longer expression: short kana fragments would match too much
                target_terms.update(t for t in terms if _useful_target(t))
        if not target_terms:
            return
        for source in sources:
            expr = _expression(source)
            own = frozenset(target_terms - set(expr.terms))
            if not own:
                continue
            self.size += 1
            if expr.terms and _terms_cover(expr):
                self.by_first_term.setdefault(expr.terms[0], []).append((expr, own))
            if _substring_matchable(expr.key):
                self.by_key.append((expr, own))

    def add_line(self, line: str) -> None:
        line = line.split("#", 1)[0].strip()
        if not line:
            return
        if "=>" in line:
            left, right = line.split("=>", 1)
            self.add(_words(left), _words(right))
            return
        words = _words(line)
        for i, word in enumerate(words):
            self.add([word], words[:i] + words[i + 1 :])

    def expand(self, query_terms: list[str], query_key: str) -> list[tuple[frozenset[str], frozenset[str]]]:
        """(query terms the entry stands for, terms to add) for each matched entry (an OR-group)."""
        groups: dict[frozenset[str], set[str]] = {}
        matched: set[Expression] = set()
        own = set(query_terms)
        for i, term in enumerate(query_terms):
            for expr, targets in self.by_first_term.get(term, ()):
                k = len(expr.terms)
                if tuple(query_terms[i : i + k]) == expr.terms:
                    matched.add(expr)
                    group = frozenset(targets - own)
                    if group:
                        groups.setdefault(group, set()).update(expr.terms)
        for expr, targets in self.by_key:
            if expr not in matched and expr.key in query_key:
                group = frozenset(targets - own)
                if group:
                    # the query terms inside the matched text are what the entry stands for
                    groups.setdefault(group, set()).update(t for t in own if t in expr.key)
        return [(frozenset(sources), group) for group, sources in groups.items()]


def _terms_cover(expr: Expression) -> bool:
    """Match by terms only when the terms carry most of the expression: 子どもができた keeps only
    子供 (できる is a stopword), which would fire on every question about children."""
    return len("".join(expr.terms)) >= 0.6 * len(expr.key)


def _useful_target(term: str) -> bool:
    """Single characters and short kana fragments of longer expressions match too much."""
    if len(term) < 2:
        return False
    return not (len(term) <= 3 and _HIRAGANA_ONLY.match(term))


def _words(text: str) -> list[str]:
    return [w for w in (p.strip() for p in _SPLIT.split(text)) if w]


def _substring_matchable(key: str) -> bool:
    if len(key) >= 3:
        return True
    return len(key) == 2 and not _HIRAGANA_ONLY.match(key)


@lru_cache(maxsize=8192)
def _expression(text: str) -> Expression:
    return Expression(
        text=text, terms=tuple(analyzer.terms(text, parts=False)), key=analyzer.search_key(text)
    )


@lru_cache(maxsize=1)
def builtin_lines() -> tuple[str, ...]:
    return tuple(BUILTIN_PATH.read_text(encoding="utf-8").splitlines())


def build(extra_entries: Iterable[tuple[list[str], bool]] = ()) -> SynonymSet:
    """Compile the built-in dictionary plus ``(words, bidirectional)`` entries from the database."""
    synonyms = SynonymSet()
    for line in builtin_lines():
        synonyms.add_line(line)
    for words, bidirectional in extra_entries:
        if len(words) < 2:
            continue
        if bidirectional:
            for i, word in enumerate(words):
                synonyms.add([word], words[:i] + words[i + 1 :])
        else:
            synonyms.add(words[:1], words[1:])
    return synonyms


def split_words(text: str) -> list[str]:
    return _words(text)
