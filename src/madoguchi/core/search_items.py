"""The site search's door for apps it may not import (knowledge's peers, such as ideas).

An app describes each of its searchable items as a ``SearchItem`` and announces every change
with ``item_changed(item)`` (published, edited, hidden, deleted — ``searchable=False`` takes it
out); the search subscribes to ``ITEM_CHANGED`` and indexes it in the same transaction. For a
full rebuild the search asks every registered source for all its items
(``register_source(kind, label, collect)`` in the app's ``AppConfig.ready``).

Visibility is the search's rule, decided by the app: ``public=True`` is for everyone, otherwise
the item is shown only to members of ``organization_id`` (a staff-only space never appears to
the public, nor to another organization's staff).

The other way round, an app asks the site search through ``search(query, user=…, kinds=…)``
(SHIN-QA's 「似た質問」): the search registers itself with ``register_searcher`` in its own
``ready``; without a search installed the answer is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from madoguchi.core import events

if TYPE_CHECKING:  # core imports no app; the type only
    from madoguchi.accounts.models import User

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


@dataclass(frozen=True)
class Found:
    """One result of ``search``: which item, and how well it matched (``coverage``: the share of
    the query's word weight the item holds, 0–1)."""

    kind: str
    object_id: int
    title: str
    url: str
    score: float
    coverage: float


class Searcher(Protocol):
    def __call__(
        self, query: str, *, user: User | None, kinds: Iterable[str], organization_id: int | None, limit: int
    ) -> list[Found]: ...


_searcher: list[Searcher] = []


def register_searcher(searcher: Searcher) -> None:
    _searcher[:] = [searcher]


def search(
    query: str,
    *,
    user: User | None,
    kinds: Iterable[str],
    organization_id: int | None = None,
    limit: int = 10,
) -> list[Found]:
    """The site search over the registered ``kinds`` for what ``user`` may see (``None``: what the
    public sees; pass a user only for a staff session), best first, within ``organization_id``
    when given. Empty when no search is installed."""
    if not _searcher or not query.strip():
        return []
    return _searcher[0](query, user=user, kinds=list(kinds), organization_id=organization_id, limit=limit)


def item_changed(item: SearchItem) -> int:
    """Tell the search (if installed) that ``item`` changed; returns how many subscribers ran."""
    return events.emit(ITEM_CHANGED, item=item)
