"""Background work of the knowledge app."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="knowledge.search_sync_procedures", ignore_result=True)
def search_sync_procedures() -> int:
    """Beat: index procedures changed without the ``procedure.changed`` event (e.g. in admin)."""
    from madoguchi.knowledge.search.indexing import search_sync_procedures as sync

    return sync()


@shared_task(name="knowledge.embed_pending", ignore_result=True)
def embed_pending() -> int:
    """Embed the searchable items whose vectors are missing or stale (safe to run twice)."""
    from madoguchi.knowledge.semantic.store import embed_pending as embed

    return embed()
