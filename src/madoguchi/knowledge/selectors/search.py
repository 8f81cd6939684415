"""The site search as the pages, the chat and the API read it: the lexical ranking, then the
semantic stage when a model is on; nearest neighbours by meaning; the synonyms staff keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from madoguchi.accounts.models import Organization
from madoguchi.core import search_items
from madoguchi.knowledge.constants import DocType, Visibility
from madoguchi.knowledge.models import Synonym
from madoguchi.knowledge.search.engine import Hit, SearchOutcome, search_documents, visible
from madoguchi.knowledge.search.snippets import make_snippet
from madoguchi.knowledge.selectors.access import Viewer, staff_organization_ids
from madoguchi.knowledge.semantic import embedders, rerank

MAX_LIMIT = 50


@dataclass
class SearchResult:
    type: str
    title: str
    url: str
    snippet: str  # safe HTML: escaped text with <mark>
    score: float
    coverage: float
    object_id: int
    organization_id: int | None
    visibility: str
    organization_name: str = ""
    # found outside the organization the visitor searched in (shown only on request, labelled)
    other_organization: bool = False
    type_label: str = ""  # 「よくある質問」, 「手続」, … or a registered source's label (「提案」)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": self.title,
            "url": self.url,
            "snippet": str(self.snippet),
            "score": self.score,
            "organization": self.organization_name or None,
        }


@dataclass
class SearchPage:
    query: str
    results: list[SearchResult]
    total: int


def search_types() -> list[tuple[str, str]]:
    """(doc_type, label): the knowledge app's own kinds, then the registered sources' (ideas…)."""
    own = [(value, str(label)) for value, label in DocType.choices]
    return own + [(source.kind, str(source.label)) for source in search_items.sources()]


def type_label(doc_type: str) -> str:
    if doc_type in DocType.values:
        return str(DocType(doc_type).label)
    label = search_items.source_label(doc_type)
    return str(label) if label is not None else doc_type


def _result(hit: Hit, terms: set[str], grams: set[str]) -> SearchResult:
    doc = hit.doc
    body = doc.body or doc.title
    return SearchResult(
        type_label=type_label(doc.doc_type),
        type=doc.doc_type,
        title=doc.title,
        url=doc.url,
        snippet=make_snippet(body=body, terms=terms | hit.matched_terms, grams=grams),
        score=hit.score,
        coverage=hit.coverage,
        object_id=doc.object_id,
        organization_id=doc.organization_id,
        visibility=doc.visibility,
    )


def site_search(
    *,
    query: str,
    user: Viewer = None,
    organization: Organization | None = None,
    everywhere: bool = False,
    types: list[str] | None = None,
    limit: int = 10,
) -> SearchPage:
    """Search FAQ, procedures and notices the viewer may see (staff-only needs a membership).

    With an ``organization``, only its content (and content of no organization) is searched;
    ``everywhere=True`` searches every organization and marks what comes from the others.
    Each result carries its organization's name, to label it."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    known = {value for value, _label in search_types()}
    doc_types = frozenset(t for t in (types or []) if t in known) or None
    outcome = _ranked(
        query,
        staff_organization_ids=staff_organization_ids(user),
        organization_id=organization.pk if organization and not everywhere else None,
        doc_types=doc_types,
        limit=limit,
    )
    terms = set(outcome.analysis.terms)
    grams = set(outcome.analysis.grams)
    results = [_result(hit, terms, grams) for hit in outcome.hits]
    names = dict(
        Organization.objects.filter(id__in={r.organization_id for r in results}).values_list("id", "name")
    )
    for result in results:
        result.organization_name = names.get(result.organization_id or 0, "")
        result.other_organization = bool(
            organization and result.organization_id not in (organization.pk, None)
        )
    return SearchPage(query=outcome.analysis.text, results=results, total=outcome.total)


def items_found(
    query: str, *, user: Viewer, kinds: list[str], organization_id: int | None, limit: int
) -> list[search_items.Found]:
    """``core.search_items.search``: the same ranking as the site search, over the given kinds
    (the registered sources' items, e.g. ideas' questions), as plain results."""
    organization = Organization.objects.filter(pk=organization_id).first() if organization_id else None
    page = site_search(query=query[:200], user=user, organization=organization, types=kinds, limit=limit)
    return [
        search_items.Found(
            kind=r.type, object_id=r.object_id, title=r.title, url=r.url, score=r.score, coverage=r.coverage
        )
        for r in page.results
        if not r.other_organization
    ]


def search_state() -> tuple:
    """The index's (version, generation, synonyms version): keys the per-process vector copy."""
    from madoguchi.knowledge.search.index import read_state

    return read_state()


def _ranked(query: str, *, limit: int, **scope: Any) -> SearchOutcome:
    """Lexical search, then the semantic stage over a wider candidate list when a model is on."""
    if embedders.current() is None:
        return search_documents(query, limit=limit, **scope)
    outcome = search_documents(query, limit=max(limit, rerank.CANDIDATES), **scope)
    meaning = _meaning_hits(query, outcome, **scope) if outcome.analysis.text.strip() else []
    outcome.hits = rerank.rerank(query, outcome.hits, state_key=outcome.state, meaning=meaning)[:limit]
    outcome.total = max(outcome.total, len(outcome.hits))
    return outcome


def _meaning_hits(query: str, outcome: SearchOutcome, **scope: Any) -> list[Hit]:
    """What the viewer may see that is near ``query`` by meaning but was not found by its words."""
    from madoguchi.knowledge.search.index import current_index

    index = current_index(outcome.state)
    found = {(h.doc.doc_type, h.doc.object_id) for h in outcome.hits}

    def allowed(key: tuple[str, int]) -> bool:
        row_id = index.by_key.get(key)
        return row_id is not None and key not in found and visible(index.docs[row_id], **scope)

    near = rerank.nearest_allowed(
        query,
        state_key=outcome.state,
        allowed=allowed,
        limit=rerank.MEANING_CANDIDATES,
        min_cosine=rerank.MEANING_MIN_COSINE,
    )
    return [Hit(doc=index.docs[index.by_key[key]], score=0.0, coverage=0.0) for key, _cos in near]


def semantic_neighbours(
    *,
    query: str,
    user: Viewer = None,
    organization: Organization | None = None,
    doc_types: frozenset[str] = frozenset({DocType.FAQ}),
    limit: int = 3,
) -> list[tuple[Any, float]]:
    """(indexed document, cosine) nearest to ``query`` by meaning among what the viewer may
    see; empty when the semantic stage is off. For the chat's clarifying question and for staff."""
    from madoguchi.knowledge.search.index import current_index

    if embedders.current() is None:
        return []
    state = search_state()
    allowed_staff = staff_organization_ids(user)
    by_key = {}
    for doc in current_index(state).docs.values():
        if doc.doc_type not in doc_types:
            continue
        if organization is not None and doc.organization_id not in (organization.pk, None):
            continue
        if doc.visibility != Visibility.PUBLIC and doc.organization_id not in allowed_staff:
            continue
        by_key[(doc.doc_type, doc.object_id)] = doc
    found = rerank.nearest(query, candidates=list(by_key), state_key=state, limit=limit)
    return [(by_key[key], cosine) for key, cosine in found]


def nearest_faqs_for_queries(*, user: Viewer, queries: list[str], limit: int = 3) -> dict[str, list]:
    """For logged queries (zero results, few clicks): the member's organizations' FAQ entries
    nearest by meaning — a quick way to see which synonym or FAQ is missing. Empty when the
    semantic stage is off."""
    from madoguchi.knowledge.search.index import current_index

    if embedders.current() is None or not queries:
        return {}
    state = search_state()
    own = staff_organization_ids(user)
    keys = {
        (doc.doc_type, doc.object_id): doc
        for doc in current_index(state).docs.values()
        if doc.doc_type == DocType.FAQ and doc.organization_id in own
    }
    out = {}
    for query in queries:
        found = rerank.nearest(query, candidates=list(keys), state_key=state, limit=limit)
        out[query] = [(keys[key], cosine) for key, cosine in found]
    return out


def search_hits(*, query: str, user: Viewer = None, organization: Organization | None = None, limit: int = 5):
    """Raw FAQ hits (with coverage) for the chatbot."""
    return _ranked(
        query,
        staff_organization_ids=staff_organization_ids(user),
        organization_id=organization.pk if organization else None,
        doc_types=frozenset({DocType.FAQ}),
        limit=limit,
    )


def search_procedure_hits(
    *, query: str, user: Viewer = None, organization: Organization | None = None, limit: int = 2
):
    """Raw procedure hits (with coverage): the chat offers the online procedure that matches."""
    return search_documents(
        query,
        staff_organization_ids=staff_organization_ids(user),
        organization_id=organization.pk if organization else None,
        doc_types=frozenset({DocType.PROCEDURE}),
        limit=limit,
    )


def synonym_staff_list(*, user: Viewer) -> QuerySet[Synonym]:
    return Synonym.objects.filter(organization_id__in=staff_organization_ids(user)).select_related(
        "organization"
    )
