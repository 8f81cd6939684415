"""Reads of the proposal box and the Q&A, shaped for each screen (docs/ideas.md)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department
from madoguchi.ideas import workflow
from madoguchi.ideas.constants import ProposalStatus, SpaceKind, Visibility
from madoguchi.ideas.models import Answer, Comment, Like, Proposal, Question, Report, Space
from madoguchi.ideas.permissions import Viewer


def spaces_for(*, viewer: Viewer) -> list[Space]:
    spaces = Space.objects.select_related("organization").order_by("organization__name", "kind", "name")
    return [s for s in spaces if viewer.can_read(s)]


def access_space(*, viewer: Viewer, org_slug: str, slug: str) -> Space:
    space = (
        Space.objects.select_related("organization", "moderator_department")
        .filter(organization__slug=org_slug, slug=slug)
        .first()
    )
    if space is None or not viewer.can_read(space):
        raise Http404
    return space


def author_label(*, viewer: Viewer, space: Space, author: Any) -> str:
    """「匿名」 in an anonymous space (moderators still see who it is, to act on abuse)."""
    name = getattr(author, "display_name", "") or str(author)
    if space.anonymous and not viewer.is_moderator(space):
        if viewer.authenticated and author.pk == viewer.user.pk:
            return _("匿名（%(name)s）") % {"name": name}
        return _("匿名")
    return name


def _terms(query: str) -> list[str]:
    return [t for t in unicodedata.normalize("NFKC", query).replace("　", " ").split() if t][:8]


def _visible(queryset: QuerySet, viewer: Viewer, space: Space) -> QuerySet:
    if viewer.is_moderator(space):
        return queryset
    if viewer.authenticated:
        return queryset.filter(Q(hidden=False) | Q(author=viewer.user))
    return queryset.filter(hidden=False)


def proposals_list(
    *, viewer: Viewer, space: Space, status: str = "", query: str = "", sort: str = "new"
) -> QuerySet[Proposal]:
    proposals = Proposal.objects.filter(space=space).exclude(status=ProposalStatus.DRAFT)
    proposals = _visible(proposals, viewer, space)
    if status in workflow.keys(space):
        proposals = proposals.filter(status=status)
    for term in _terms(query):
        proposals = proposals.filter(
            Q(title__icontains=term) | Q(body__icontains=term) | Q(category__icontains=term)
        )
    order = ("-likes_count", "-published_at") if sort == "likes" else ("-published_at",)
    return proposals.select_related("author", "department", "space").order_by(*order)


def my_drafts(*, viewer: Viewer, space: Space) -> QuerySet[Proposal]:
    user = viewer.signed_in
    if user is None:
        return Proposal.objects.none()
    return Proposal.objects.filter(space=space, author=user, status=ProposalStatus.DRAFT).order_by(
        "-created_at"
    )


def realized(*, viewer: Viewer, space: Space) -> QuerySet[Proposal]:
    return (
        proposals_list(viewer=viewer, space=space)
        .filter(status__in=workflow.adopted(space))
        .order_by("-answer_published_at")
    )


def access_proposal(*, viewer: Viewer, space: Space, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("author", "department", "answered_by", "space__organization")
        .filter(space=space, pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise Http404
    mine = viewer.authenticated and proposal.author_id == viewer.user.pk
    if proposal.status == ProposalStatus.DRAFT and not mine:
        raise Http404
    if proposal.hidden and not (mine or viewer.is_moderator(space)):
        raise Http404
    return proposal


def comments_of(*, viewer: Viewer, proposal: Proposal) -> list[tuple[Comment, list[Comment]]]:
    comments = list(
        _visible(Comment.objects.filter(proposal=proposal), viewer, proposal.space)
        .select_related("author")
        .order_by("created_at")
    )
    replies: dict[int, list[Comment]] = {}
    for c in comments:
        if c.parent_id:
            replies.setdefault(c.parent_id, []).append(c)
    return [(c, replies.get(c.pk, [])) for c in comments if not c.parent_id]


def liked(*, viewer: Viewer, kind: str, ids: list[int]) -> set[int]:
    user = viewer.signed_in
    if user is None or not ids:
        return set()
    return set(
        Like.objects.filter(user=user, kind=kind, object_id__in=ids).values_list("object_id", flat=True)
    )


def questions_list(
    *,
    viewer: Viewer,
    space: Space,
    query: str = "",
    tag: str = "",
    unanswered: bool = False,
    department_id: int | None = None,
) -> QuerySet[Question]:
    questions = _visible(Question.objects.filter(space=space), viewer, space)
    for term in _terms(query):
        questions = questions.filter(
            Q(title__icontains=term) | Q(body__icontains=term) | Q(tags__icontains=term)
        )
    if tag:
        questions = questions.filter(tags__icontains=tag)
    if unanswered:
        questions = questions.filter(has_official_answer=False)
    if department_id:
        questions = questions.filter(department_id=department_id)
    return questions.select_related("author", "department").order_by("-created_at")


def access_question(*, viewer: Viewer, space: Space, question_id: int) -> Question:
    question = (
        Question.objects.select_related("author", "department", "space__organization")
        .filter(space=space, pk=question_id)
        .first()
    )
    if question is None:
        raise Http404
    if question.hidden and not (
        (viewer.authenticated and question.author_id == viewer.user.pk) or viewer.is_moderator(space)
    ):
        raise Http404
    return question


def access_post(*, viewer: Viewer, space: Space, kind: str, post_id: int) -> Any:
    """A proposal, comment, question or answer of ``space`` the viewer may see (hidden ones: their
    author and the moderators), for reports and moderation; 404 otherwise (an unknown ``kind``
    is the caller's to refuse)."""
    if kind == "proposal":
        return access_proposal(viewer=viewer, space=space, proposal_id=post_id)
    if kind == "question":
        return access_question(viewer=viewer, space=space, question_id=post_id)
    post: Any
    if kind == "comment":
        post = Comment.objects.select_related("author").filter(proposal__space=space, pk=post_id).first()
        if post is not None:
            access_proposal(viewer=viewer, space=space, proposal_id=post.proposal_id)  # 404 when not visible
    elif kind == "answer":
        post = Answer.objects.select_related("author").filter(question__space=space, pk=post_id).first()
        if post is not None:
            access_question(viewer=viewer, space=space, question_id=post.question_id)
    else:
        raise Http404
    if post is None:
        raise Http404
    if post.hidden and not (
        (viewer.authenticated and post.author_id == viewer.user.pk) or viewer.is_moderator(space)
    ):
        raise Http404
    return post


def answers_of(*, viewer: Viewer, question: Question) -> list[Answer]:
    answers = _visible(Answer.objects.filter(question=question), viewer, question.space).select_related(
        "author"
    )
    return list(answers.order_by("-is_official", "-accepted", "-likes_count", "created_at"))


# A suggestion must hold at least this share of the title's word weight (the search's coverage).
SIMILAR_MIN_COVERAGE = 0.3


def similar_questions(*, viewer: Viewer, space: Space, title: str, limit: int = 5) -> list[Question]:
    """Existing questions of ``space`` like ``title``, found by the site search (the same Japanese
    analysis as FAQs: 送り仮名 and spelling variants, compounds, synonyms), best first — shown
    while someone writes a new question. Only what the viewer may read: the search sees a
    staff-only space's questions only for its staff in a staff session."""
    from madoguchi.core import search_items
    from madoguchi.ideas.searching import QUESTION

    user = viewer.signed_in if viewer.staff_of(space.organization_id) else None
    found = search_items.search(
        title, user=user, kinds=[QUESTION], organization_id=space.organization_id, limit=30
    )
    ids = [f.object_id for f in found if f.coverage >= SIMILAR_MIN_COVERAGE]
    if not ids:
        return []
    questions = {q.pk: q for q in _visible(Question.objects.filter(space=space, pk__in=ids), viewer, space)}
    return [questions[i] for i in ids if i in questions][:limit]


def departments_of(*, space: Space) -> list[Department]:
    return list(Department.objects.filter(organization_id=space.organization_id).order_by("name"))


def moderation_queue(*, viewer: Viewer) -> list[dict[str, Any]]:
    """Reported or hidden posts in the spaces this person moderates."""
    spaces = [s for s in spaces_for(viewer=viewer) if viewer.is_moderator(s)]
    if not spaces:
        return []
    rows: list[dict[str, Any]] = []
    open_reports = Report.objects.filter(resolved_at__isnull=True)
    for model, kind, space_field in (
        (Proposal, "proposal", "space"),
        (Question, "question", "space"),
        (Comment, "comment", "proposal__space"),
        (Answer, "answer", "question__space"),
    ):
        reported_ids = open_reports.filter(kind=kind).values("object_id")
        items = model.objects.filter(**{f"{space_field}__in": spaces}).filter(
            Q(hidden=True) | Q(pk__in=reported_ids)
        )
        for item in items.select_related("author")[:200]:
            rows.append(
                {
                    "kind": kind,
                    "item": item,
                    "reasons": list(
                        open_reports.filter(kind=kind, object_id=item.pk).values_list("reason", flat=True)
                    ),
                }
            )
    return rows


def proposals_to_assign(*, viewer: Viewer) -> list[Proposal]:
    """Moderators: published proposals in their spaces that no department answers yet (S9: a new
    proposal waits here until a moderator asks a department for the official answer)."""
    spaces = [
        s for s in spaces_for(viewer=viewer) if viewer.is_moderator(s) and s.kind == SpaceKind.PROPOSALS
    ]
    if not spaces:
        return []
    return list(
        Proposal.objects.filter(space__in=spaces, department__isnull=True, hidden=False)
        .exclude(status=ProposalStatus.DRAFT)
        .filter(answer_published_at__isnull=True)
        .select_related("space__organization")
        .order_by("published_at", "pk")[:200]
    )


def department_work(*, viewer: Viewer) -> dict[str, list[Any]]:
    """Official answers waiting for the viewer's departments."""
    proposals: list[Proposal] = []
    questions: list[Question] = []
    for space in spaces_for(viewer=viewer):
        departments = viewer.department_ids(space.organization_id)
        if not departments:
            continue
        proposals += list(
            Proposal.objects.filter(
                space=space, department_id__in=departments, answer_published_at__isnull=True
            )
            .select_related("space__organization", "department")
            .order_by("answer_due")
        )
        questions += list(
            Question.objects.filter(
                space=space, department_id__in=departments, has_official_answer=False, hidden=False
            )
            .select_related("space__organization", "department")
            .order_by("created_at")
        )
    return {"proposals": proposals, "questions": questions}


def search(*, viewer: Viewer, query: str, limit: int = 20) -> list[Any]:
    """Proposals and questions over every space the viewer may read (a staff-only space never
    appears to the public)."""
    results: list[Any] = []
    for space in spaces_for(viewer=viewer):
        if space.kind == SpaceKind.PROPOSALS:
            results += list(proposals_list(viewer=viewer, space=space, query=query)[:limit])
        else:
            results += list(questions_list(viewer=viewer, space=space, query=query)[:limit])
    return results[:limit]


def ideas_figures(*, organization_id: int) -> dict[str, Any]:
    """Numbers for KPIs and open data: counts by status and days to the official answer
    (never texts; unpublished drafts are not counted)."""
    proposals = Proposal.objects.filter(space__organization_id=organization_id).exclude(
        status=ProposalStatus.DRAFT
    )
    # each space has its own statuses: counted by key, and by kind across spaces
    by_status: dict[str, int] = {}
    by_kind: dict[str, int] = dict.fromkeys(workflow.KINDS, 0)
    for space in Space.objects.filter(organization_id=organization_id, kind=SpaceKind.PROPOSALS):
        for key, count in (
            proposals.filter(space=space)
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        ):
            by_status[key] = by_status.get(key, 0) + count
            kind = workflow.kind_of(space, key)
            if kind in by_kind:
                by_kind[kind] += count
    waits: list[float] = [
        (answered - published).total_seconds() / 86400
        for published, answered in proposals.filter(answer_published_at__isnull=False).values_list(
            "published_at", "answer_published_at"
        )
        if published is not None and answered is not None
    ]
    waits.sort()
    median = waits[len(waits) // 2] if waits else None
    public_only = Visibility.PUBLIC
    return {
        "proposals_by_status": by_status,
        "proposals_by_kind": by_kind,
        "median_days_to_official_answer": round(median, 1) if median is not None else None,
        "questions": Question.objects.filter(space__organization_id=organization_id).count(),
        "questions_with_official_answer": Question.objects.filter(
            space__organization_id=organization_id, has_official_answer=True
        ).count(),
        "public_spaces": Space.objects.filter(
            organization_id=organization_id, visibility=public_only
        ).count(),
    }


def due_soon(*, today: dt.date, days: int) -> QuerySet[Proposal]:
    return Proposal.objects.filter(
        answer_published_at__isnull=True, answer_due__lte=today + dt.timedelta(days=days)
    )
