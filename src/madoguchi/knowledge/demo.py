"""Demo content for the knowledge app: the open FAQ set (CC BY 4.0, see data/LICENSE-faq-kosodate.md).

``load_faq_demo()`` is idempotent (entries are matched by their faq_id) and goes through the
same import path as ``madoguchi faq import``. It also indexes the demo procedures, which the
demo loader writes directly (without the procedure services' "procedure.changed" event).
"""

from __future__ import annotations

import json
from pathlib import Path

from madoguchi.knowledge import importer, services
from madoguchi.knowledge.constants import KOSODATE_CREDIT
from madoguchi.knowledge.search.indexing import search_sync_procedures

DEMO_FAQ_PATH = Path(__file__).resolve().parent / "data" / "faq-kosodate.json"
# Demo values for the set's template placeholders (○○市 → 新宿区 …); entries with others are skipped.
DEMO_FILLS_PATH = Path(__file__).resolve().parent / "data" / "faq-kosodate-fills-demo.json"


def demo_fills() -> dict[str, str]:
    data = json.loads(DEMO_FILLS_PATH.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def load_faq_demo(*, organization=None) -> services.ImportReport:
    organization = organization or services.organization_get_default()
    report = services.faq_import(
        organization=organization,
        actor="demo",
        rows=importer.read_file(DEMO_FAQ_PATH),
        attribution=KOSODATE_CREDIT,
        fills=demo_fills(),
    )
    search_sync_procedures()
    return report
