"""The site search's door for apps it may not import (knowledge's peers, such as ideas).

An app describes each of its searchable items as a ``SearchItem`` and announces every change
with ``item_changed(item)`` (published, edited, hidden, deleted — ``searchable=False`` takes it
out); the search subscribes to ``ITEM_CHANGED`` and indexes it in the same transaction. For a
full rebuild the search asks every registered source for all its items
(``register_source(kind, label, collect)`` in the app's ``AppConfig.ready``).

Visibility is the search's rule, decided by the app: ``public=True`` is for everyone, otherwise
the item is shown only to members of ``organization_id`` (a staff-only space never appears to
the public, nor to another organization's staff).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from madoguchi.core import events

ITEM_CHANGED = "search.item_changed"


@dataclass(frozen=True)
class SearchItem:
    kind: str  # a registered source's kind, e.g. "proposal"
    object_id: int
    organization_id: int | None
    public: bool
    title: str
    body: str
    url: str
    keywords: str = ""
    searchable: bool = True  # False: take it out of the results (a draft, hidden, deleted)


@dataclass(frozen=True)
class Source:
    kind: str
    label: object  # a (lazy) translated name shown beside each result, e.g. 「提案」
    collect: Callable[[], Iterable[SearchItem]]


_sources: dict[str, Source] = {}


def register_source(kind: str, label: object, collect: Callable[[], Iterable[SearchItem]]) -> None:
    _sources[kind] = Source(kind=kind, label=label, collect=collect)


def sources() -> tuple[Source, ...]:
    return tuple(_sources.values())


def source_label(kind: str) -> object | None:
    source = _sources.get(kind)
    return source.label if source is not None else None


def item_changed(item: SearchItem) -> int:
    """Tell the search (if installed) that ``item`` changed; returns how many subscribers ran."""
    return events.emit(ITEM_CHANGED, item=item)
