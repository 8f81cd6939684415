"""Demo content for the knowledge app: the open FAQ set (CC BY 4.0, see data/LICENSE-faq-kosodate.md).

``load_faq_demo()`` is idempotent (entries are matched by their faq_id) and goes through the
same import path as ``madoguchi faq import``. It also indexes the demo procedures, which the
demo loader writes directly (without the procedure services' "procedure.changed" event).
"""

from __future__ import annotations

from pathlib import Path

from madoguchi.knowledge import importer, services
from madoguchi.knowledge.constants import KOSODATE_CREDIT
from madoguchi.knowledge.search.indexing import search_sync_procedures

DEMO_FAQ_PATH = Path(__file__).resolve().parent / "data" / "faq-kosodate.json"


def load_faq_demo(*, organization=None) -> services.ImportReport:
    organization = organization or services.organization_get_default()
    report = services.faq_import(
        organization=organization,
        actor="demo",
        rows=importer.read_file(DEMO_FAQ_PATH),
        attribution=KOSODATE_CREDIT,
    )
    search_sync_procedures()
    return report
