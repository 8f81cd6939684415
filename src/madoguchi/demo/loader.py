from __future__ import annotations

from collections.abc import Iterator


def load_demo() -> Iterator[str]:
    yield "demo data: (not yet)"
