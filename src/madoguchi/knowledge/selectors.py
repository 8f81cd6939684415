"""Reads of the knowledge app: site search, FAQ pages, staff reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.models import Organization, User
from madoguchi.core import search_items
from madoguchi.knowledge.constants import NOTICE_ROLES, DocType, InquiryStatus, QuerySource, Visibility
from madoguchi.knowledge.models import FaqEntry, Inquiry, Notice, SearchQueryLog, Synonym
from madoguchi.knowledge.search.engine import Hit, SearchOutcome, search_documents
from madoguchi.knowledge.search.snippets import make_snippet
from madoguchi.knowledge.semantic import embedders, rerank

MAX_LIMIT = 50
# Whoever looks: a signed-in user, an anonymous visitor, or nobody (scripts, the demo loader).
Viewer = User | AnonymousUser | None
# Whoever acts: a viewer, or a name for work nobody signed in for ("cli", "demo", "system").
Actor = Viewer | str


def signed_in_user(user: Actor) -> User | None:
    """The user when signed in, else None (anonymous visitors, scripts named by a string)."""
    return user if isinstance(user, User) and user.is_authenticated else None


def staff_organization_ids(user: Actor) -> frozenset[int]:
    """Organizations whose staff-only content this user may see."""
    member = signed_in_user(user)
    if member is None:
        return frozenset()
    if member.is_superuser:
        return frozenset(Organization.objects.values_list("id", flat=True))
    return frozenset(member.memberships.values_list("organization_id", flat=True))


def staff_organizations(user: Viewer) -> QuerySet[Organization]:
    return Organization.objects.filter(id__in=staff_organization_ids(user)).order_by("name")


def is_member(user: Actor, organization: Organization) -> bool:
    """Staff of the organization (any role), or a superuser."""
    return organization.pk in staff_organization_ids(user)


def can_write_notices(user: Actor, organization: Organization) -> bool:
    return organization.pk in notice_organization_ids(user)


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
    outcome.hits = rerank.rerank(query, outcome.hits, state_key=outcome.state)[:limit]
    return outcome


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


def organization_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    return dict(Organization.objects.filter(id__in=wanted).values_list("id", "name")) if wanted else {}


def contact_organization(*, organization: Organization | None = None) -> Organization | None:
    """Whose office the chat names when someone asks for a person: the given one, else the
    default organization (slug "default"), else the first."""
    from madoguchi.knowledge.constants import DEFAULT_ORGANIZATION_SLUG

    if organization is not None:
        return organization
    return (
        Organization.objects.filter(slug=DEFAULT_ORGANIZATION_SLUG).first()
        or Organization.objects.order_by("id").first()
    )


# --- FAQ pages ------------------------------------------------------------------------------
def access_faq(*, user: Viewer, faq_id: int) -> FaqEntry:
    """The FAQ entry if this viewer may read it; 404 otherwise (staff-only stays invisible)."""
    faq = (
        FaqEntry.objects.select_related("organization")
        .prefetch_related("related_procedures")
        .filter(pk=faq_id, is_archived=False)
        .first()
    )
    if faq is None:
        raise Http404
    if faq.visibility != Visibility.PUBLIC and faq.organization_id not in staff_organization_ids(user):
        raise Http404
    return faq


def faq_visible_q(user: Viewer) -> Q:
    return Q(is_archived=False) & (
        Q(visibility=Visibility.PUBLIC) | Q(organization_id__in=staff_organization_ids(user))
    )


def faq_categories(*, user: Viewer = None, organization: Organization | None = None) -> list[tuple[str, int]]:
    qs = FaqEntry.objects.filter(faq_visible_q(user))
    if organization:
        qs = qs.filter(organization=organization)
    counts: dict[str, int] = {}
    for category in qs.values_list("category", flat=True):
        counts[category or "その他"] = counts.get(category or "その他", 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])


def faq_list(*, user: Viewer = None, category: str | None = None, organization: Organization | None = None):
    qs = FaqEntry.objects.filter(faq_visible_q(user)).select_related("organization")
    if organization:
        qs = qs.filter(organization=organization)
    if category:
        qs = qs.filter(category="" if category == "その他" else category)
    return qs.order_by("category", "id")


def faq_list_for_procedure(*, procedure: Any, user: Viewer = None):
    """FAQ entries linked to a procedure, for its page (templates: knowledge/_related_faqs.html)."""
    return procedure.faqs.filter(faq_visible_q(user)).order_by("id")


def notice_access(*, user: Viewer, notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id, published_at__lte=timezone.now()).first()
    if notice is None:
        raise Http404
    if notice.visibility != Visibility.PUBLIC and notice.organization_id not in staff_organization_ids(user):
        raise Http404
    return notice


# --- notices for staff ----------------------------------------------------------------------
def notice_organization_ids(user: Actor) -> frozenset[int]:
    """Organizations whose notices this user may write (owner or admin role; superusers: all)."""
    member = signed_in_user(user)
    if member is None:
        return frozenset()
    if member.is_superuser:
        return frozenset(Organization.objects.values_list("id", flat=True))
    return frozenset(
        member.memberships.filter(role__in=NOTICE_ROLES).values_list("organization_id", flat=True)
    )


def notice_organizations(user: Viewer):
    return Organization.objects.filter(id__in=notice_organization_ids(user)).order_by("name")


def notice_staff_list(*, user: Viewer):
    """The notices of the organizations this user writes for: drafts first, then newest."""
    return (
        Notice.objects.filter(organization_id__in=notice_organization_ids(user))
        .select_related("organization")
        .order_by(F("published_at").desc(nulls_first=True), "-updated_at", "-id")
    )


def access_staff_notice(*, user: Viewer, notice_id: int) -> Notice:
    """A notice this user may edit; 404 for another organization's (and for everyone else)."""
    notice = Notice.objects.select_related("organization").filter(pk=notice_id).first()
    if notice is None or notice.organization_id not in notice_organization_ids(user):
        raise Http404
    return notice


# --- staff reports --------------------------------------------------------------------------
def _logs(user: Viewer, days: int, source: str) -> QuerySet[SearchQueryLog]:
    """The viewer's organizations' query logs (superusers: all, also rows without organization)."""
    since = timezone.localdate() - timedelta(days=days)
    rows = SearchQueryLog.objects.filter(day__gte=since, source=source)
    if getattr(user, "is_superuser", False):
        return rows
    return rows.filter(organization_id__in=staff_organization_ids(user))


def zero_result_queries(*, user: Viewer, days: int = 30, limit: int = 50):
    return (
        _logs(user, days, QuerySource.SEARCH)
        .values("query")
        .annotate(total=Sum("zero_results"), searches=Sum("searches"))
        .filter(total__gt=0)
        .order_by("-total", "query")[:limit]
    )


def low_click_queries(*, user: Viewer, days: int = 30, min_searches: int = 3, limit: int = 50):
    """Queries searched several times whose results were rarely opened (clicks < 20% of searches)."""
    rows = (
        _logs(user, days, QuerySource.SEARCH)
        .values("query")
        .annotate(searches_total=Sum("searches"), clicks_total=Sum("clicks"), zero=Sum("zero_results"))
        .filter(searches_total__gte=min_searches)
        .filter(clicks_total__lt=F("searches_total") * 0.2)
        .exclude(zero=F("searches_total"))
        .order_by("-searches_total", "query")
    )
    return rows[:limit]


def unanswered_chat_questions(*, user: Viewer, days: int = 30, limit: int = 50):
    return (
        _logs(user, days, QuerySource.CHAT)
        .values("query")
        .annotate(total=Sum("unanswered"))
        .filter(total__gt=0)
        .order_by("-total", "query")[:limit]
    )


def inquiry_list(*, user: Viewer) -> QuerySet[Inquiry]:
    return Inquiry.objects.filter(organization_id__in=staff_organization_ids(user)).select_related(
        "organization"
    )


def inquiry_queue(*, user: Viewer, status: str = "", limit: int = 200) -> list[Inquiry]:
    """The inquiries queue: 未対応 first, oldest first (they have waited longest); then the
    answered and closed ones, newest first."""
    rows: QuerySet[Inquiry] = inquiry_list(user=user).annotate(reply_count=Count("replies"))
    waiting = rows.filter(status=InquiryStatus.NEW).order_by("created_at", "id")
    done = rows.exclude(status=InquiryStatus.NEW).order_by("-created_at", "-id")
    if status == InquiryStatus.NEW:
        return list(waiting[:limit])
    if status in InquiryStatus.values:
        return list(done.filter(status=status)[:limit])
    first = list(waiting[:limit])
    return first + list(done[: max(0, limit - len(first))])


def inquiry_counts(*, user: Viewer) -> dict[str, int]:
    counts = dict(
        inquiry_list(user=user).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {value: counts.get(value, 0) for value in InquiryStatus.values}


def access_staff_inquiry(*, user: Viewer, inquiry_id: int) -> Inquiry:
    """An inquiry of one of this member's organizations, with its replies; 404 otherwise."""
    inquiry = (
        Inquiry.objects.select_related("organization", "user")
        .prefetch_related("replies__author")
        .filter(pk=inquiry_id, organization_id__in=staff_organization_ids(user))
        .first()
    )
    if inquiry is None:
        raise Http404
    return inquiry


def faqs_due_for_review(*, user: Viewer, today=None):
    today = today or timezone.localdate()
    return FaqEntry.objects.filter(
        organization_id__in=staff_organization_ids(user), is_archived=False, review_on__lte=today
    ).order_by("review_on")


# --- small reads for the pages ------------------------------------------------------------
def organization_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def faqs_visible_by_id(*, user: Viewer, ids: Iterable[int | None]) -> dict[int, FaqEntry]:
    """The entries among ``ids`` this viewer may read, by id (the chat re-reads its turns)."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    return {f.pk: f for f in FaqEntry.objects.filter(pk__in=wanted).filter(faq_visible_q(user))}


def faq_related_procedures(*, faq: FaqEntry) -> list[tuple[Any, str]]:
    """(procedure, URL of its public page) for the public, published procedures linked to an FAQ."""
    from madoguchi.knowledge.search.documents import procedure_url

    return [
        (p, procedure_url(p))
        for p in faq.related_procedures.filter(is_public=True, current_version__isnull=False).select_related(
            "organization"
        )
    ]


def faq_staff_recent(*, user: Viewer) -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(
        organization_id__in=staff_organization_ids(user), is_archived=False
    ).order_by("-updated_at")


def access_staff_faq(*, user: Viewer, faq_id: int) -> FaqEntry:
    """An FAQ entry this member may edit; 404 for another organization's."""
    faq = FaqEntry.objects.select_related("organization").filter(pk=faq_id).first()
    if faq is None or faq.organization_id not in staff_organization_ids(user):
        raise Http404
    return faq


def procedures_of(*, organizations: Iterable[Organization]) -> QuerySet[Any]:
    """The organizations' procedures, for the FAQ form's "related procedures" choice."""
    from madoguchi.procedures.models import Procedure

    return Procedure.objects.filter(organization__in=list(organizations)).order_by("organization_id", "title")


def synonym_staff_list(*, user: Viewer) -> QuerySet[Synonym]:
    return Synonym.objects.filter(organization_id__in=staff_organization_ids(user)).select_related(
        "organization"
    )
