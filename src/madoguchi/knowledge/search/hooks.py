"""The knowledge app's reactions to other apps' events (registered in ``KnowledgeConfig.ready``).

Procedures do not know the search exists: their services ``emit("procedure.changed",
procedure=…)`` (see ``madoguchi.core.events``) when a procedure is created, edited, published
or hidden, and the search re-indexes it here, in the same transaction as the change.
"""

from __future__ import annotations

from typing import Any

from madoguchi.core import events

PROCEDURE_CHANGED = "procedure.changed"


def on_procedure_changed(*, procedure: Any, **_: Any) -> None:
    from madoguchi.knowledge.search.indexing import search_index_procedure

    search_index_procedure(procedure=procedure)


def register() -> None:
    events.subscribe(PROCEDURE_CHANGED, on_procedure_changed)
