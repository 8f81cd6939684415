"""Ranking: BM25 over Sudachi terms (with synonym expansion) fused with BM25 over bigrams.

Two rankers look at every query:

- **words** — BM25F-style scores over normalized Sudachi terms; terms that the synonym
  dictionary adds count with ``SYNONYM_WEIGHT``.
- **grams** — BM25 over character bigrams of the normalized, kana-folded text. It finds typos,
  unknown words, and kana/kanji spellings the dictionary splits differently.

The final score is ``words/max(words) + GRAM_MIX * grams/max(grams)`` over the candidates, so
each ranker counts by how far a document is from the best one, not by raw magnitudes.
``coverage`` (share of the query's word weight found in the best document) tells the chatbot
how sure it may be.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from madoguchi.knowledge.search import analyzer
from madoguchi.knowledge.search import synonyms as synonym_dictionary
from madoguchi.knowledge.search.index import IndexedDoc, MemoryIndex, current_index, read_state

K1 = 1.2  # b = 0.75: see MemoryIndex.compute_norms
SYNONYM_WEIGHT = 0.7
GRAM_MIX = 0.4
YOMI_MIX = 0.2
MAX_QUERY_CHARS = 200
# results below this share of the best score are noise (e.g. only a reading bigram in common)
MIN_RELATIVE_SCORE = 0.15
# documents without a common word need this share of the query's character or reading bigrams
MIN_EVIDENCE = 0.3


@dataclass
class Hit:
    doc: IndexedDoc
    score: float
    coverage: float
    matched_terms: set[str] = field(default_factory=set)


@dataclass
class QueryAnalysis:
    text: str
    terms: list[str]
    # (query terms an entry stands for, the terms it adds) per matched synonym entry
    expansions: list[tuple[frozenset[str], frozenset[str]]]
    grams: list[str]
    readings: list[str]


@dataclass
class SearchOutcome:
    hits: list[Hit]
    analysis: QueryAnalysis
    total: int
    # (version, generation, synonyms version) of the index this answer came from
    state: tuple = ()


# --- synonyms, cached per process and invalidated by SearchIndexState.synonyms_version -----
_synonyms_lock = threading.Lock()
_synonyms_cache: dict[str, object] = {"key": None, "set": None}


def current_synonyms(state: tuple[int, str, int]) -> synonym_dictionary.SynonymSet:
    key = (state[1], state[2])
    if _synonyms_cache["key"] == key and _synonyms_cache["set"] is not None:
        return _synonyms_cache["set"]  # type: ignore[return-value]
    with _synonyms_lock:
        if _synonyms_cache["key"] != key or _synonyms_cache["set"] is None:
            from madoguchi.knowledge.models import Synonym

            entries = [
                (synonym_dictionary.split_words(words), bidirectional)
                for words, bidirectional in Synonym.objects.values_list("words", "bidirectional")
            ]
            _synonyms_cache["set"] = synonym_dictionary.build(entries)
            _synonyms_cache["key"] = key
    return _synonyms_cache["set"]  # type: ignore[return-value]


def analyse_query(text: str, synonyms: synonym_dictionary.SynonymSet) -> QueryAnalysis:
    text = (text or "")[:MAX_QUERY_CHARS]
    terms = analyzer.terms(text)
    expansions = synonyms.expand(terms, analyzer.search_key(text))
    return QueryAnalysis(
        text=text,
        terms=terms,
        expansions=expansions,
        grams=analyzer.bigrams(text),
        readings=analyzer.reading_bigrams(text),
    )


def _idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _bm25(
    weights: dict[str, float],
    postings: dict[str, dict[int, float]],
    n: int,
    norms: dict[int, float],
    k1: float,
    matched: dict[int, set[str]] | None = None,
) -> dict[int, float]:
    """BM25 over all documents (filtering happens on the few scored ones afterwards)."""
    scores: dict[int, float] = {}
    get = scores.get
    k1p1 = k1 + 1.0
    for term, qw in weights.items():
        plist = postings.get(term)
        if not plist:
            continue
        idf = _idf(n, len(plist)) * qw * k1p1
        for row_id, tf in plist.items():
            scores[row_id] = get(row_id, 0.0) + idf * tf / (tf + norms[row_id])
        if matched is not None:
            for row_id in plist:
                bucket = matched.get(row_id)
                if bucket is None:
                    matched[row_id] = {term}
                else:
                    bucket.add(term)
    return scores


def visible(
    doc: IndexedDoc,
    *,
    staff_organization_ids: frozenset[int] = frozenset(),
    organization_id: int | None = None,
    doc_types: frozenset[str] | None = None,
) -> bool:
    """Whether a search with this scope may answer ``doc``: the organization looked at (or
    content of no organization), the kinds asked for, and staff-only content only for members."""
    if organization_id is not None and doc.organization_id not in (organization_id, None):
        return False
    if doc_types is not None and doc.doc_type not in doc_types:
        return False
    return doc.visibility == "public" or doc.organization_id in staff_organization_ids


def search_documents(
    query: str,
    *,
    staff_organization_ids: frozenset[int] = frozenset(),
    organization_id: int | None = None,
    doc_types: frozenset[str] | None = None,
    limit: int = 10,
) -> SearchOutcome:
    """Rank documents the viewer may see. Staff-only documents need a membership in their org."""
    state = read_state()
    index = current_index(state)
    analysis = analyse_query(query, current_synonyms(state))
    if not index.size or not (analysis.terms or analysis.grams):
        return SearchOutcome(hits=[], analysis=analysis, total=0, state=state)

    docs = index.docs

    def allowed(row_id: int) -> bool:
        return visible(
            docs[row_id],
            staff_organization_ids=staff_organization_ids,
            organization_id=organization_id,
            doc_types=doc_types,
        )

    word_weights: dict[str, float] = {}
    for term in analysis.terms:
        word_weights[term] = word_weights.get(term, 0.0) + 1.0
    gram_weights: dict[str, float] = {}
    for gram in analysis.grams:
        gram_weights[gram] = gram_weights.get(gram, 0.0) + 1.0

    n = index.size
    w_matched: dict[int, set[str]] = {}
    w_scores = _bm25(word_weights, index.w_post, n, index.w_norm, K1, w_matched)
    _add_synonym_groups(w_scores, w_matched, [g for _, g in analysis.expansions], index)
    c_scores = _bm25(gram_weights, index.c_post, n, index.c_norm, K1)
    y_weights: dict[str, float] = {}
    for gram in analysis.readings:
        y_weights[gram] = y_weights.get(gram, 0.0) + 1.0
    y_scores = _bm25(y_weights, index.y_post, n, index.y_norm, K1) if YOMI_MIX else {}
    restricted = organization_id is not None or doc_types is not None or index.has_restricted
    if restricted:
        w_scores = {r: v for r, v in w_scores.items() if allowed(r)}
        c_scores = {r: v for r, v in c_scores.items() if allowed(r)}
        y_scores = {r: v for r, v in y_scores.items() if allowed(r)}
    if not w_scores and not c_scores:
        return SearchOutcome(hits=[], analysis=analysis, total=0, state=state)

    w_max = max(w_scores.values(), default=0.0) or 1.0
    c_max = max(c_scores.values(), default=0.0) or 1.0
    combined: dict[int, float] = {}
    for row_id, score in w_scores.items():
        combined[row_id] = score / w_max
    for row_id, score in c_scores.items():
        combined[row_id] = combined.get(row_id, 0.0) + GRAM_MIX * score / c_max
    y_max = max(y_scores.values(), default=0.0) or 1.0
    for row_id, score in y_scores.items():
        combined[row_id] = combined.get(row_id, 0.0) + YOMI_MIX * score / y_max
    top = max(combined.values())
    ranked = sorted(
        ((r, v) for r, v in combined.items() if v >= MIN_RELATIVE_SCORE * top),
        key=lambda item: (-item[1], item[0]),
    )
    # A document that shares no word with the query must share a good part of its characters or
    # of its reading (a typo, a kana spelling); one common bigram is not a match. Checked lazily
    # in rank order, only as far as the results need.
    query_grams, query_readings = set(analysis.grams), set(analysis.readings)

    def enough_evidence(row_id: int) -> bool:
        if row_id in w_matched:
            return True
        shared = sum(1 for g in query_grams if row_id in index.c_post.get(g, ()))
        if shared >= MIN_EVIDENCE * (len(query_grams) or 1):
            return True
        shared = sum(1 for g in query_readings if row_id in index.y_post.get(g, ()))
        return shared >= MIN_EVIDENCE * (len(query_readings) or 1)

    kept: list[tuple[int, float]] = []
    for row_id, score in ranked:
        if enough_evidence(row_id):
            kept.append((row_id, score))
            if len(kept) >= max(limit, 1):
                break
    if not kept:
        return SearchOutcome(hits=[], analysis=analysis, total=0, state=state)
    top = kept[0][1]

    # coverage: share of the query's own-term idf weight present in the document
    query_idf = {t: _idf(n, len(index.w_post.get(t, ()))) for t in set(analysis.terms)}
    total_idf = sum(query_idf.values()) or 1.0
    hits = []
    for row_id, score in kept:
        matched = w_matched.get(row_id, set())
        covered = {t for t in query_idf if t in matched}
        for sources, group in analysis.expansions:
            if group & matched:
                covered |= sources
        coverage = sum(v for t, v in query_idf.items() if t in covered) / total_idf
        hits.append(
            Hit(
                doc=docs[row_id],
                score=round(score / top, 4),
                coverage=round(coverage, 3),
                matched_terms=matched,
            )
        )
    # total: candidates above the relative threshold (the evidence check ran only on the first ones)
    return SearchOutcome(hits=hits, analysis=analysis, total=len(ranked), state=state)


def _add_synonym_groups(scores, matched, groups, index: MemoryIndex) -> None:
    """Each synonym entry is an OR-group: a document gets its best member, times SYNONYM_WEIGHT."""
    if not groups:
        return
    n = index.size
    norms = index.w_norm
    k1p1 = K1 + 1.0
    contributions: dict[str, dict[int, float]] = {}
    for term in set().union(*groups):
        plist = index.w_post.get(term)
        if not plist:
            continue
        idf = _idf(n, len(plist)) * k1p1
        contributions[term] = {row_id: idf * tf / (tf + norms[row_id]) for row_id, tf in plist.items()}
    for group in groups:
        best: dict[int, tuple[float, str]] = {}
        for term in group:
            for row_id, value in contributions.get(term, {}).items():
                if value > best.get(row_id, (0.0, ""))[0]:
                    best[row_id] = (value, term)
        for row_id, (value, term) in best.items():
            scores[row_id] = scores.get(row_id, 0.0) + SYNONYM_WEIGHT * value
            matched.setdefault(row_id, set()).add(term)


def index_stats(index: MemoryIndex | None = None) -> dict[str, int]:
    index = index or current_index()
    return {"documents": index.size, "terms": len(index.w_post), "bigrams": len(index.c_post)}
