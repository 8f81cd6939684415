"""Vectors of the searchable items: computed after content changes (a background task), cached
by text hash, and held in memory per process for queries (reloaded when the index moves or new
vectors were stored — a generation number in the shared cache, not a COUNT per query)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from madoguchi.knowledge.semantic import embedders

# The document text a vector stands for: the title, and the title with the start of the body.
BODY_CHARS = 200
BATCH = 32


def texts_for(title: str, body: str) -> tuple[str, str]:
    body = " ".join((body or "").split())[:BODY_CHARS]
    return title, f"{title}\n{body}" if body else title


def text_hash(model: str, title: str, body: str) -> str:
    first, second = texts_for(title, body)
    return hashlib.sha256(f"{model}\x00{first}\x00{second}".encode()).hexdigest()


def embed_pending(*, limit: int | None = None) -> int:
    """Embed every searchable item whose vectors are missing or stale for the current model.
    Safe to run twice and concurrently (the unique row is upserted). Returns how many."""
    from madoguchi.knowledge.models import SearchDocument, SearchEmbedding

    model = embedders.current()
    if model is None:
        return 0
    known = dict(
        ((d, o), h)
        for d, o, h in SearchEmbedding.objects.filter(model=model.id).values_list(
            "doc_type", "object_id", "text_hash"
        )
    )
    todo = []
    for doc_type, object_id, title, body in SearchDocument.objects.filter(is_deleted=False).values_list(
        "doc_type", "object_id", "title", "body"
    ):
        wanted = text_hash(model.id, title, body)
        if known.get((doc_type, object_id)) != wanted:
            todo.append((doc_type, object_id, title, body, wanted))
        if limit is not None and len(todo) >= limit:
            break
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        texts = [t for _d, _o, title, body, _h in chunk for t in texts_for(title, body)]
        vectors = model.passages(texts).astype(np.float32).reshape(len(chunk), 2, -1)
        with transaction.atomic():
            for (doc_type, object_id, _title, _body, wanted), pair in zip(chunk, vectors, strict=True):
                SearchEmbedding.objects.update_or_create(
                    doc_type=doc_type,
                    object_id=object_id,
                    model=model.id,
                    defaults={"text_hash": wanted, "vectors": pair.tobytes()},
                )
        vectors_changed()
    return len(todo)


GENERATION_KEY = "knowledge:semantic:vectors-generation"


def vectors_changed() -> None:
    """Tell every process that stored vectors changed (they reload on their next query)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet (or the cache was emptied)
        cache.set(GENERATION_KEY, 1, None)
    _CACHE.key = ()  # this process at once, whatever the cache says


def vectors_generation() -> int:
    return int(cache.get(GENERATION_KEY) or 0)


def schedule() -> None:
    """After a commit that changed the index: embed what changed, in the background."""
    if embedders.model_id() == "none":
        return
    from madoguchi.knowledge import tasks

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # embedded mode (the demo): no worker; fill the vectors in one thread, not in the request
        _wanted.set()
        with _thread_lock:
            if _thread[0] is None or not _thread[0].is_alive():
                thread = threading.Thread(target=_embed_in_thread, name="knowledge-embed", daemon=True)
                _thread[0] = thread
                thread.start()
    else:
        tasks.embed_pending.delay()


_wanted = threading.Event()
_thread_lock = threading.Lock()
_thread: list[threading.Thread | None] = [None]


def _embed_in_thread() -> None:
    from django.db import close_old_connections

    try:
        while _wanted.is_set():
            _wanted.clear()
            embed_pending()
    except Exception:  # logged; the search stays lexical for what is missing
        import logging

        logging.getLogger(__name__).exception("embedding the search documents failed")
    finally:
        close_old_connections()


@dataclass(frozen=True)
class Loaded:
    """One load of the stored vectors, replaced whole (never changed in place)."""

    vectors: dict[tuple[str, int], np.ndarray]
    # the same vectors as one array (items × 2 × dim) with their keys in row order, so a query's
    # cosines to every item are one matrix product
    keys: list[tuple[str, int]]
    matrix: np.ndarray


EMPTY = Loaded(vectors={}, keys=[], matrix=np.zeros((0, 2, 0), dtype=np.float32))


@dataclass
class VectorCache:
    key: tuple = ()
    loaded: Loaded = EMPTY
    lock: threading.Lock = field(default_factory=threading.Lock)


_CACHE = VectorCache()


def vectors(state_key: tuple) -> dict[tuple[str, int], np.ndarray]:
    """(doc type, object id) → array of shape (2, dim), for the current model; reloaded when
    the index version moved or vectors were stored since (``vectors_changed``)."""
    return _loaded(state_key).vectors


def matrix(state_key: tuple) -> tuple[list[tuple[str, int]], np.ndarray]:
    """Every stored item's key and its vectors as one array (items × 2 × dim), same rows."""
    cache = _loaded(state_key)
    return cache.keys, cache.matrix


def _loaded(state_key: tuple) -> Loaded:
    from madoguchi.knowledge.models import SearchEmbedding

    model = embedders.model_id()
    key = (*state_key, model, vectors_generation())
    cache = _CACHE
    if cache.key == key:
        return cache.loaded
    with cache.lock:
        if cache.key != key:
            found = {}
            for doc_type, object_id, raw in SearchEmbedding.objects.filter(model=model).values_list(
                "doc_type", "object_id", "vectors"
            ):
                found[(doc_type, object_id)] = np.frombuffer(bytes(raw), dtype=np.float32).reshape(2, -1)
            keys = list(found)
            stacked = np.stack([found[k] for k in keys]) if keys else EMPTY.matrix
            found = {k: stacked[i] for i, k in enumerate(keys)}  # views: the vectors once in memory
            cache.loaded, cache.key = Loaded(vectors=found, keys=keys, matrix=stacked), key
        return cache.loaded


def reset_process_cache() -> None:
    global _CACHE
    from madoguchi.knowledge.semantic import rerank

    _CACHE = VectorCache()
    rerank.QUERY_VECTORS.clear()
