"""The knowledge app's reactions to other apps' events (registered in ``KnowledgeConfig.ready``).

Procedures do not know the search exists: their services ``emit("procedure.changed",
procedure=…)`` (see ``madoguchi.core.events``) when a procedure is created, edited, published
or hidden, and the search re-indexes it here, in the same transaction as the change.
Apps the search may not import (ideas) describe their items as ``core.search_items.SearchItem``
and announce changes with ``item_changed``; they are indexed here the same way.
"""

from __future__ import annotations

from typing import Any

from madoguchi.core import events, search_items
from madoguchi.core.search_items import SearchItem

PROCEDURE_CHANGED = "procedure.changed"


def on_procedure_changed(*, procedure: Any, **_: Any) -> None:
    from madoguchi.knowledge.search.indexing import search_index_procedure

    search_index_procedure(procedure=procedure)


def on_search_item_changed(*, item: SearchItem, **_: Any) -> None:
    from madoguchi.knowledge.search.indexing import search_index_item

    search_index_item(item=item)


def register() -> None:
    events.subscribe(PROCEDURE_CHANGED, on_procedure_changed)
    events.subscribe(search_items.ITEM_CHANGED, on_search_item_changed)
