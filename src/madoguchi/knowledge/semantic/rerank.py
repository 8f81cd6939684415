"""Fuse the lexical ranking with meaning: re-rank the lexical candidates by
``LEXICAL_WEIGHT × min-max(lexical score) + (1 − LEXICAL_WEIGHT) × min-max(cosine)``, where an
item's cosine is the mean of its title's and its title-with-body's cosines to the query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def query_vector(query: str) -> np.ndarray | None:
    model = embedders.current()
    return None if model is None else model.queries([query])[0]


def cosines(query_vec: np.ndarray, pairs: Sequence[np.ndarray]) -> np.ndarray:
    """Mean of the two cosines (title; title + start of body) per item."""
    return np.array([float((pair @ query_vec).mean()) for pair in pairs], dtype=np.float32)


def rerank(query: str, hits: list[Hit], *, state_key: tuple) -> list[Hit]:
    """The hits in fused order (scores relative to the best), or unchanged when the semantic
    stage is off or some candidate has no vector yet (lexical only, never half and half)."""
    if len(hits) < 2 or embedders.current() is None:
        return hits
    known = store.vectors(state_key)
    keys = [(h.doc.doc_type, h.doc.object_id) for h in hits]
    if any(k not in known for k in keys):
        return hits
    q = query_vector(query)
    if q is None:
        return hits
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
