import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Slot ids are reused between tests on SQLite; the full-slot hints must not leak."""
    cache.clear()
    yield
    cache.clear()
