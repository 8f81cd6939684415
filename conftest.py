"""Project-wide pytest setup. Shared test-data helpers live in madoguchi.core.testing."""

import os

os.environ.setdefault("MADOGUCHI_FAST_HASHER", "1")
