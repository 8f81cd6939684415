"""Writing the search index: one ``SearchDocument`` row per searchable item, under a version.

Callers are the knowledge services (FAQ, notices: in the same transaction as the change), the
reaction to ``procedure.changed`` that ``KnowledgeConfig.ready`` subscribes (see hooks.py), the
``knowledge.search_sync_procedures`` task in beat (a safety net for procedures changed without
the event, e.g. in Django admin), and the rebuild command. Readers never write here.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from madoguchi.audit.services import audit_record
from madoguchi.core import search_items
from madoguchi.core.search_items import SearchItem
from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.models import FaqEntry, Notice, SearchDocument, SearchIndexState
from madoguchi.knowledge.search.documents import (
    Document,
    faq_document,
    notice_document,
    procedure_document,
)
from madoguchi.knowledge.search.index import analyse
from madoguchi.knowledge.semantic import store as semantic_store

# The beat sweep re-reads procedures changed a little before its last run, so a change that
# committed late is not missed; re-indexing a procedure twice is harmless.
PROCEDURE_SYNC_OVERLAP = timedelta(minutes=5)


def state_for_update() -> SearchIndexState:
    """The single state row, locked: writers take versions in commit order."""
    state, _created = SearchIndexState.objects.select_for_update().get_or_create(
        id=1, defaults={"generation": secrets.token_hex(8)}
    )
    return state


def synonyms_changed() -> None:
    """Every process rebuilds its synonym dictionary on its next query."""
    state = state_for_update()
    state.synonyms_version += 1
    state.save(update_fields=["synonyms_version"])


def _row_values(doc: Document, version: int) -> dict:
    return {
        "organization_id": doc.organization_id,
        "visibility": doc.visibility,
        "title": doc.title[:500],
        "body": doc.body,
        "url": doc.url[:500],
        "version": version,
        "is_deleted": not doc.searchable,
        "features": analyse(title=doc.title, body=doc.body, keywords=doc.keywords) if doc.searchable else {},
    }


def index_documents(docs: Iterable[Document]) -> int:
    """Write documents under one new index version (joins the caller's transaction)."""
    docs = list(docs)
    if not docs:
        return 0
    with transaction.atomic():
        state = state_for_update()
        state.version += 1
        state.save(update_fields=["version"])
        transaction.on_commit(semantic_store.schedule)
        for doc in docs:
            SearchDocument.objects.update_or_create(
                doc_type=doc.doc_type, object_id=doc.object_id, defaults=_row_values(doc, state.version)
            )
    return len(docs)


def search_index_faq(*, faq: FaqEntry) -> None:
    index_documents([faq_document(faq)])


def search_index_faqs(*, faqs: Iterable[FaqEntry]) -> int:
    return index_documents(faq_document(f) for f in faqs)


def search_index_procedure(*, procedure) -> None:
    """Index one procedure (or drop it from the results when it is no longer public)."""
    index_documents([procedure_document(procedure)])


def search_index_notice(*, notice: Notice) -> None:
    index_documents([notice_document(notice)])


def item_document(item: SearchItem) -> Document:
    """A registered source's item (core.search_items: ideas' proposals and questions)."""
    return Document(
        doc_type=item.kind,
        object_id=item.object_id,
        organization_id=item.organization_id,
        visibility=Visibility.PUBLIC if item.public else Visibility.STAFF,
        title=item.title,
        body=item.body,
        url=item.url,
        keywords=item.keywords,
        searchable=item.searchable,
    )


def search_index_item(*, item: SearchItem) -> None:
    """Index (or take out, ``searchable=False``) one item another app announced."""
    index_documents([item_document(item)])


def search_remove(*, doc_type: str, object_id: int) -> None:
    with transaction.atomic():
        state = state_for_update()
        state.version += 1
        state.save(update_fields=["version"])
        SearchDocument.objects.filter(doc_type=doc_type, object_id=object_id).update(
            is_deleted=True, version=state.version, features={}
        )


def search_sync_procedures() -> int:
    """Index procedures changed since the last sync (the beat task's work)."""
    from madoguchi.procedures.models import Procedure

    now = timezone.now()
    with transaction.atomic():
        state = state_for_update()
        since = state.procedures_synced_at
        procedures = Procedure.objects.select_related("organization")
        if since is not None:
            procedures = procedures.filter(updated_at__gt=since - PROCEDURE_SYNC_OVERLAP)
        docs = [procedure_document(p) for p in procedures]
        state.procedures_synced_at = now
        state.save(update_fields=["procedures_synced_at"])
        index_documents(docs)
    return len(docs)


def search_rebuild() -> dict[str, int]:
    """Re-analyse every FAQ, procedure, notice and registered source's item; every process then
    reloads its index."""
    from madoguchi.procedures.models import Procedure

    counts = {"faq": 0, "procedure": 0, "notice": 0}
    with transaction.atomic():
        docs: list[Document] = []
        for faq in FaqEntry.objects.filter(is_archived=False).iterator(chunk_size=500):
            docs.append(faq_document(faq))
            counts["faq"] += 1
        for procedure in Procedure.objects.select_related("organization").iterator(chunk_size=500):
            doc = procedure_document(procedure)
            docs.append(doc)
            counts["procedure"] += int(doc.searchable)
        for notice in Notice.objects.iterator(chunk_size=500):
            doc = notice_document(notice)
            docs.append(doc)
            counts["notice"] += int(doc.searchable)
        for source in search_items.sources():  # other apps' items (ideas)
            counts.setdefault(source.kind, 0)
            for item in source.collect():
                docs.append(item_document(item))
                counts[source.kind] += int(item.searchable)
        SearchDocument.objects.all().delete()
        state = state_for_update()
        state.version += 1
        state.generation = secrets.token_hex(8)
        state.procedures_synced_at = timezone.now()
        state.save(update_fields=["version", "generation", "procedures_synced_at"])
        SearchDocument.objects.bulk_create(
            [
                SearchDocument(
                    doc_type=doc.doc_type, object_id=doc.object_id, **_row_values(doc, state.version)
                )
                for doc in docs
                if doc.searchable
            ],
            batch_size=500,
        )
        audit_record(actor="system", action="search.rebuilt", target=state, after=counts)
        transaction.on_commit(semantic_store.schedule)
    return counts
