"""Analysed documents and the per-process in-memory inverted index.

Storage is the ``SearchDocument`` table: each row carries its own weighted term and bigram
frequencies (computed once, when content changes). Each web process keeps an inverted index
in memory and, before answering, compares its version with ``SearchIndexState.version``
(one indexed primary-key read). When the counter moved it loads only the rows whose version is
newer and patches its postings (a new ``generation``, set by a rebuild or a new database, makes
it reload everything), so an edit in one process is visible in every other process
on its next query, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections import Counter
from dataclasses import dataclass

from madoguchi.knowledge.search import analyzer

# Field weights of the word ranker (a BM25F-style sum of weighted term frequencies).
TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
# Character bigrams: the title counts more than the body.
GRAM_TITLE_WEIGHT = 2.0
GRAM_KEYWORD_WEIGHT = 1.0
GRAM_BODY_WEIGHT = 0.5
# Only so much of a long body is analysed (long pages would otherwise drown short answers).
BODY_LIMIT = 3000


def analyse(*, title: str, body: str, keywords: str = "") -> dict:
    """The stored features of one document."""
    body = body[:BODY_LIMIT]
    w: Counter[str] = Counter()
    for term in analyzer.terms(title):
        w[term] += TITLE_WEIGHT
    for term in analyzer.terms(keywords):
        w[term] += KEYWORD_WEIGHT
    for term in analyzer.terms(body):
        w[term] += BODY_WEIGHT
    c: Counter[str] = Counter()
    for gram in analyzer.bigrams(title):
        c[gram] += GRAM_TITLE_WEIGHT
    for gram in analyzer.bigrams(keywords):
        c[gram] += GRAM_KEYWORD_WEIGHT
    for gram in analyzer.bigrams(body):
        c[gram] += GRAM_BODY_WEIGHT
    y: Counter[str] = Counter()
    for gram in analyzer.reading_bigrams(title):
        y[gram] += GRAM_TITLE_WEIGHT
    for gram in analyzer.reading_bigrams(keywords):
        y[gram] += GRAM_KEYWORD_WEIGHT
    for gram in analyzer.reading_bigrams(body):
        y[gram] += GRAM_BODY_WEIGHT
    return {
        "w": {k: round(v, 3) for k, v in w.items()},
        "c": {k: round(v, 3) for k, v in c.items()},
        "y": {k: round(v, 3) for k, v in y.items()},
        "wl": round(sum(w.values()), 3),
        "cl": round(sum(c.values()), 3),
        "yl": round(sum(y.values()), 3),
    }


@dataclass
class IndexedDoc:
    row_id: int
    doc_type: str
    object_id: int
    organization_id: int | None
    visibility: str
    title: str
    body: str
    url: str
    # weighted frequencies when loaded; only the keys once added to a MemoryIndex
    terms: dict[str, float] | tuple[str, ...]
    grams: dict[str, float] | tuple[str, ...]
    readings: dict[str, float] | tuple[str, ...]
    wlen: float
    clen: float
    ylen: float


class MemoryIndex:
    """Postings term → {row id: weighted tf}, patched row by row."""

    def __init__(self) -> None:
        self.version = -1
        self.generation = ""
        self.docs: dict[int, IndexedDoc] = {}
        # (doc type, object id) → row id: what the semantic stage finds is named by key
        self.by_key: dict[tuple[str, int], int] = {}
        self.w_post: dict[str, dict[int, float]] = {}
        self.c_post: dict[str, dict[int, float]] = {}
        self.y_post: dict[str, dict[int, float]] = {}
        self.w_total = 0.0
        self.c_total = 0.0
        self.y_total = 0.0
        self.restricted_count = 0  # documents that are not public
        # BM25 length normalisation per document, recomputed after each refresh
        self.w_norm: dict[int, float] = {}
        self.c_norm: dict[int, float] = {}
        self.y_norm: dict[int, float] = {}
        self.lock = threading.Lock()

    def compute_norms(self, k1: float = 1.2, b: float = 0.75) -> None:
        """BM25's k1 * (1 - b + b * len / avg len) for every document, for both rankers."""
        w_avg, c_avg = self.w_avg or 1.0, self.c_avg or 1.0
        self.w_norm = {i: k1 * (1.0 - b + b * d.wlen / w_avg) for i, d in self.docs.items()}
        self.c_norm = {i: k1 * (1.0 - b + b * d.clen / c_avg) for i, d in self.docs.items()}
        y_avg = (self.y_total / len(self.docs) if self.docs else 1.0) or 1.0
        self.y_norm = {i: k1 * (1.0 - b + b * d.ylen / y_avg) for i, d in self.docs.items()}

    # --- maintenance ------------------------------------------------------------------
    @property
    def has_restricted(self) -> bool:
        return self.restricted_count > 0

    def clear(self) -> None:
        self.restricted_count = 0
        self.docs.clear()
        self.by_key.clear()
        self.w_post.clear()
        self.c_post.clear()
        self.y_post.clear()
        self.w_total = self.c_total = self.y_total = 0.0

    def remove(self, row_id: int) -> None:
        doc = self.docs.pop(row_id, None)
        if doc is None:
            return
        if self.by_key.get((doc.doc_type, doc.object_id)) == row_id:
            del self.by_key[(doc.doc_type, doc.object_id)]
        for term in doc.terms:
            postings = self.w_post.get(term)
            if postings is not None:
                postings.pop(row_id, None)
                if not postings:
                    del self.w_post[term]
        for source, target in ((doc.grams, self.c_post), (doc.readings, self.y_post)):
            for gram in source:
                postings = target.get(gram)
                if postings is not None:
                    postings.pop(row_id, None)
                    if not postings:
                        del target[gram]
        self.w_total -= doc.wlen
        self.c_total -= doc.clen
        self.y_total -= doc.ylen
        self.restricted_count -= doc.visibility != "public"

    def add(self, doc: IndexedDoc) -> None:
        """Add postings; the document keeps only its (interned) keys, for removal later."""
        self.remove(doc.row_id)
        self.docs[doc.row_id] = doc
        row_id = doc.row_id
        self.by_key[(doc.doc_type, doc.object_id)] = row_id
        for features, postings, attr in (
            (doc.terms, self.w_post, "terms"),
            (doc.grams, self.c_post, "grams"),
            (doc.readings, self.y_post, "readings"),
        ):
            keys = []
            for key, tf in features.items():
                key = sys.intern(key)
                postings.setdefault(key, {})[row_id] = _FLOATS.setdefault(tf, tf)
                keys.append(key)
            setattr(doc, attr, tuple(keys))
        self.w_total += doc.wlen
        self.c_total += doc.clen
        self.y_total += doc.ylen
        self.restricted_count += doc.visibility != "public"

    @property
    def size(self) -> int:
        return len(self.docs)

    @property
    def w_avg(self) -> float:
        return self.w_total / len(self.docs) if self.docs else 1.0

    @property
    def c_avg(self) -> float:
        return self.c_total / len(self.docs) if self.docs else 1.0


def doc_from_row(row) -> IndexedDoc:
    features = row.features or {}
    return IndexedDoc(
        row_id=row.id,
        doc_type=row.doc_type,
        object_id=row.object_id,
        organization_id=row.organization_id,
        visibility=row.visibility,
        title=row.title,
        body=row.body,
        url=row.url,
        terms=features.get("w", {}),
        grams=features.get("c", {}),
        readings=features.get("y", {}),
        wlen=features.get("wl", 0.0) or 0.0,
        clen=features.get("cl", 0.0) or 0.0,
        ylen=features.get("yl", 0.0) or 0.0,
    )


_INDEX = MemoryIndex()
FREEZE_AFTER_DOCUMENTS = 500
# weighted frequencies repeat (0.5, 1.0, 3.0 …): share one float object per value
_FLOATS: dict[float, float] = {}


def read_state() -> tuple[int, str, int]:
    """(version, generation, synonyms version) in one primary-key read."""
    from madoguchi.knowledge.models import SearchIndexState

    state = (
        SearchIndexState.objects.filter(id=1).values_list("version", "generation", "synonyms_version").first()
    )
    return state if state else (0, "", 0)


def current_index(state: tuple[int, str, int] | None = None) -> MemoryIndex:
    """The process index, refreshed from the database if another process changed it."""
    from madoguchi.knowledge.models import SearchDocument

    index = _INDEX
    version, generation, _synonyms_version = state or read_state()
    if version == index.version and generation == index.generation:
        return index
    with index.lock:
        if version == index.version and generation == index.generation:
            return index
        if generation != index.generation or index.version > version:
            index.clear()
            rows = SearchDocument.objects.filter(is_deleted=False)
        else:
            rows = SearchDocument.objects.filter(version__gt=index.version)
        for row in rows.only(
            "id",
            "doc_type",
            "object_id",
            "organization_id",
            "visibility",
            "title",
            "body",
            "url",
            "features",
            "is_deleted",
        ).iterator(chunk_size=500):
            if row.is_deleted:
                index.remove(row.id)
            else:
                index.add(doc_from_row(row))
        index.compute_norms()
        index.version = version
        index.generation = generation
        # A large index lives as long as the process: keep the garbage collector from rescanning
        # its millions of postings on every full collection (that caused 100-250 ms outliers).
        if index.size >= FREEZE_AFTER_DOCUMENTS:
            gc.collect()
            gc.freeze()
    return index


def reset_process_index() -> None:
    """Forget the in-memory copy (tests use a fresh database per test)."""
    global _INDEX
    _INDEX = MemoryIndex()


FREEZE_AFTER_DOCUMENTS = 500


# weighted frequencies repeat (0.5, 1.0, 3.0 …): share one float object per value
_FLOATS: dict[float, float] = {}
