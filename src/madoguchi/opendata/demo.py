"""S10 demo: publish the datasets from the KPI figures the insights demo made (idempotent)."""

from __future__ import annotations

from madoguchi.opendata.services import datasets_publish


def load_opendata_demo() -> list[str]:
    return [f"{datasets_publish()} datasets published"]
