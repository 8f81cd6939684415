"""Proposals and questions in the site search (knowledge), without importing it: each is
described as a ``core.search_items.SearchItem`` and announced whenever it changes — published,
edited, answered, hidden or shown, its space renamed or opened to the public. A draft or a hidden
post is announced with ``searchable=False`` (taken out of the results). A staff-only space's
posts are indexed as staff-only of its organization, so the public and other organizations'
staff never find them. Anonymous spaces: only the text is indexed, never the author."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from madoguchi.core import search_items
from madoguchi.core.search_items import SearchItem
from madoguchi.ideas.constants import Visibility
from madoguchi.ideas.models import Proposal, Question, Space

PROPOSAL = "proposal"
QUESTION = "question"


def proposal_item(proposal: Proposal) -> SearchItem:
    space = proposal.space
    body = proposal.body
    if proposal.answer_published_at and proposal.answer_body:
        body += "\n" + proposal.answer_body  # the official answer is found with its proposal
    return SearchItem(
        kind=PROPOSAL,
        object_id=proposal.pk,
        organization_id=space.organization_id,
        public=space.visibility == Visibility.PUBLIC,
        title=proposal.title,
        body=body,
        url=reverse("ideas:proposal", args=[space.organization.slug, space.slug, proposal.pk]),
        keywords=" ".join(x for x in (space.name, proposal.category) if x),
        searchable=proposal.published_at is not None and not proposal.hidden,
    )


def question_item(question: Question) -> SearchItem:
    space = question.space
    return SearchItem(
        kind=QUESTION,
        object_id=question.pk,
        organization_id=space.organization_id,
        public=space.visibility == Visibility.PUBLIC,
        title=question.title,
        body=question.body,
        url=reverse("ideas:question", args=[space.organization.slug, space.slug, question.pk]),
        keywords=" ".join(x for x in (space.name, question.tags) if x),
        searchable=not question.hidden,
    )


def announce(post: object) -> None:
    """Tell the search that a proposal or a question changed (re-read, so counts and flags are
    current); comments and answers are not searched on their own."""
    if isinstance(post, Proposal):
        fresh = Proposal.objects.select_related("space__organization").get(pk=post.pk)
        search_items.item_changed(proposal_item(fresh))
    elif isinstance(post, Question):
        fresh_q = Question.objects.select_related("space__organization").get(pk=post.pk)
        search_items.item_changed(question_item(fresh_q))


def announce_space(space: Space) -> None:
    """Every post of a space again (its visibility, name or address changed)."""
    for proposal in Proposal.objects.filter(space=space).select_related("space__organization"):
        search_items.item_changed(proposal_item(proposal))
    for question in Question.objects.filter(space=space).select_related("space__organization"):
        search_items.item_changed(question_item(question))


def collect_proposals() -> Iterator[SearchItem]:
    for proposal in Proposal.objects.select_related("space__organization").iterator(chunk_size=500):
        yield proposal_item(proposal)


def collect_questions() -> Iterator[SearchItem]:
    for question in Question.objects.select_related("space__organization").iterator(chunk_size=500):
        yield question_item(question)


def register() -> None:
    search_items.register_source(PROPOSAL, _("提案"), collect_proposals)
    search_items.register_source(QUESTION, _("職員Q&A"), collect_questions)
