"""Fuse the lexical ranking with meaning: re-rank the lexical candidates by
``LEXICAL_WEIGHT × min-max(lexical score) + (1 − LEXICAL_WEIGHT) × min-max(cosine)``, where an
item's cosine is the mean of its title's and its title-with-body's cosines to the query."""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from madoguchi.knowledge.search.engine import Hit
from madoguchi.knowledge.semantic import embedders, store

# Tuned on one half of the development queries (bench/search_quality.py --tune); 0.15–0.35 all
# did about as well, as the issue's own measurement found.
LEXICAL_WEIGHT = 0.25
# How many lexical candidates the semantic stage re-ranks.
CANDIDATES = 50
# The chat asks "did you mean…" with FAQ entries at least this near by meaning when the words
# found no good answer (mean of the two cosines; with the multilingual USE model related
# questions score about 0.5–0.8, unrelated ones below 0.3).
NEIGHBOUR_MIN_COSINE = 0.45
# Items near by meaning that the words did not find join the candidates (a question that shares
# no word with its answer: 「保険証をなくした」 → 「資格確認書の再交付」): at most this many, each at
# least this near, each fused as if the words had found it last (the weakest candidate's lexical
# score). bench/search_quality.py: 3–20 candidates and 0.40–0.55 all gave the same figures.
MEANING_CANDIDATES = 10
MEANING_MIN_COSINE = 0.45


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


# Query vectors kept per process, least recently used out: people ask the same few things
# (「住民票」「ごみの日」), and embedding a query is most of the semantic stage's cost.
QUERY_CACHE_SIZE = 2048


class QueryVectors:
    """A thread-safe LRU of query vectors, keyed by (model, normalized query)."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: tuple[str, str]) -> np.ndarray | None:
        with self.lock:
            vector = self.items.get(key)
            if vector is None:
                self.misses += 1
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return vector

    def put(self, key: tuple[str, str], vector: np.ndarray) -> None:
        with self.lock:
            self.items[key] = vector
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.hits = self.misses = 0


QUERY_VECTORS = QueryVectors()


def normalize_query(query: str) -> str:
    """What a query vector is computed from and cached by: NFKC (full-width digits and letters,
    half-width kana), lower case, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", query or "").lower().split())


def query_vector(query: str) -> np.ndarray | None:
    model = embedders.current()
    if model is None:
        return None
    key = (model.id, normalize_query(query))
    vector = QUERY_VECTORS.get(key)
    if vector is None:
        vector = np.ascontiguousarray(model.queries([key[1]])[0], dtype=np.float32)
        vector.setflags(write=False)
        QUERY_VECTORS.put(key, vector)
    return vector


def cosines(query_vec: np.ndarray, pairs: Sequence[np.ndarray]) -> np.ndarray:
    """Mean of the two cosines (title; title + start of body) per item."""
    if not len(pairs):
        return np.zeros(0, dtype=np.float32)
    return (np.stack(pairs) @ query_vec).mean(axis=1).astype(np.float32)


def rerank(query: str, hits: list[Hit], *, state_key: tuple, meaning: Sequence[Hit] = ()) -> list[Hit]:
    """The hits, and the ``meaning`` candidates the words did not find, in fused order (scores
    relative to the best); the hits unchanged when the semantic stage is off or some hit has no
    vector yet (lexical only, never half and half)."""
    if embedders.current() is None or not (hits or meaning):
        return hits
    known = store.vectors(state_key)
    if any((h.doc.doc_type, h.doc.object_id) not in known for h in hits):
        return hits
    q = query_vector(query)
    if q is None:
        return hits
    weakest = min((h.score for h in hits), default=0.0)
    for hit in meaning:
        hit.score = weakest
    hits = [*hits, *meaning]
    keys = [(h.doc.doc_type, h.doc.object_id) for h in hits]
    cos = cosines(q, [known[k] for k in keys])
    lexical = np.array([h.score for h in hits], dtype=np.float32)
    fused = LEXICAL_WEIGHT * _minmax(lexical) + (1.0 - LEXICAL_WEIGHT) * _minmax(cos)
    order = sorted(range(len(hits)), key=lambda i: (-fused[i], i))
    top = float(fused[order[0]]) or 1.0
    out = []
    for i in order:
        hit = hits[i]
        hit.score = round(float(fused[i]) / top, 4)
        out.append(hit)
    return out


def nearest_allowed(
    query: str,
    *,
    state_key: tuple,
    allowed: Callable[[tuple[str, int]], bool],
    limit: int,
    min_cosine: float,
) -> list[tuple[tuple[str, int], float]]:
    """The stored items nearest to ``query`` by meaning (cosine at least ``min_cosine``) that
    ``allowed`` accepts, nearest first: one matrix product over every item, then the allowed
    check in order of nearness, only as far as needed."""
    keys, matrix = store.matrix(state_key)
    if not keys or limit < 1:
        return []
    q = query_vector(query)
    if q is None or matrix.shape[-1] != q.shape[0]:
        return []
    cos = (matrix @ q).mean(axis=1)
    near = np.flatnonzero(cos >= min_cosine)
    found: list[tuple[tuple[str, int], float]] = []
    for i in near[np.argsort(-cos[near], kind="stable")]:
        if allowed(keys[i]):
            found.append((keys[i], float(cos[i])))
            if len(found) >= limit:
                break
    return found


def nearest(
    query: str, *, candidates: Iterable[tuple[str, int]], state_key: tuple, limit: int = 3
) -> list[tuple[tuple[str, int], float]]:
    """The items nearest to ``query`` by meaning among ``candidates`` ((doc type, id) keys)."""
    q = query_vector(query)
    if q is None:
        return []
    known = store.vectors(state_key)
    keys = [k for k in candidates if k in known]
    if not keys:
        return []
    cos = cosines(q, [known[k] for k in keys])
    order = np.argsort(-cos)[:limit]
    return [(keys[i], float(cos[i])) for i in order]
