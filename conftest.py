"""Project-wide pytest setup. Shared test-data helpers live in madoguchi.core.testing."""

import os

import pytest

os.environ.setdefault("MADOGUCHI_FAST_HASHER", "1")


@pytest.fixture(autouse=True)
def semantic_search_model_off(settings):
    """The site search's semantic model stays off in tests (KNOWLEDGE_SEMANTIC_MODEL_IN_TESTS to
    change it); its stage is tested with the small weight-free "char-hash" model and one
    real-model test (knowledge/tests/test_semantic.py)."""
    settings.KNOWLEDGE_SEMANTIC_MODEL = os.environ.get("KNOWLEDGE_SEMANTIC_MODEL_IN_TESTS", "none")
