"""JSON door to the proposal box and Q&A — the same services as the pages:

- ``GET  /api/v1/ideas/{org}/{space}/proposals`` and ``POST`` (create; ``publish``),
- ``POST /api/v1/ideas/{org}/{space}/proposals/{id}/like`` (``DELETE`` to unlike),
- ``POST /api/v1/ideas/{org}/{space}/proposals/{id}/answer`` (the department prepares; ``publish``),
- ``GET  /api/v1/ideas/{org}/{space}/questions`` and ``POST``,
- ``POST /api/v1/ideas/{org}/{space}/questions/{id}/answers``.

A staff-only space is 404 to anyone without a staff session of its organization.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from ninja import Field, Router, Schema, Status

from madoguchi.accounts.apiauth import require_user
from madoguchi.accounts.models import Department
from madoguchi.ideas import selectors, services
from madoguchi.ideas.constants import SpaceKind, TargetKind
from madoguchi.ideas.models import Proposal, Question
from madoguchi.ideas.permissions import Viewer

router = Router(tags=["ideas"])


class ProposalOut(Schema):
    id: int
    title: str
    body: str
    category: str
    status: str
    author: str
    likes: int
    comments: int
    published_at: dt.datetime | None
    department: str | None
    official_answer: str | None
    answered_at: dt.datetime | None


class ProposalIn(Schema):
    title: str = Field(max_length=500)
    body: str = Field(max_length=20000)
    category: str = Field(default="", max_length=200)
    publish: bool = False


class LikeOut(Schema):
    likes: int


class AnswerPrepareIn(Schema):
    body: str = Field(max_length=20000)
    status: str = Field(max_length=20)
    publish: bool = False


class QuestionOut(Schema):
    id: int
    title: str
    body: str
    tags: list[str]
    author: str
    likes: int
    answers: int
    has_official_answer: bool
    department: str | None


class QuestionIn(Schema):
    title: str = Field(max_length=500)
    body: str = Field(default="", max_length=20000)
    tags: str = Field(default="", max_length=500)
    department_id: int | None = None


class AnswerIn(Schema):
    body: str = Field(max_length=20000)


class AnswerOut(Schema):
    id: int
    body: str
    official: bool
    accepted: bool
    likes: int


def _space(request, org: str, space: str, kind: str):
    viewer = Viewer.of(request)
    the_space = selectors.access_space(viewer=viewer, org_slug=org, slug=space)
    if the_space.kind != kind:
        raise Http404
    return viewer, the_space


def _proposal(viewer: Viewer, p: Proposal) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "body": p.body,
        "category": p.category,
        "status": p.status,
        "author": selectors.author_label(viewer=viewer, space=p.space, author=p.author),
        "likes": p.likes_count,
        "comments": p.comments_count,
        "published_at": p.published_at,
        "department": p.department.name if p.department_id else None,
        "official_answer": p.answer_body if p.answer_published_at else None,
        "answered_at": p.answer_published_at,
    }


def _question(viewer: Viewer, q: Question) -> dict:
    return {
        "id": q.pk,
        "title": q.title,
        "body": q.body,
        "tags": q.tag_list,
        "author": selectors.author_label(viewer=viewer, space=q.space, author=q.author),
        "likes": q.likes_count,
        "answers": q.answers_count,
        "has_official_answer": q.has_official_answer,
        "department": q.department.name if q.department_id else None,
    }


@router.get("/ideas/{org}/{space}/proposals", response=list[ProposalOut], summary="提案の一覧 / Proposals")
def proposals(request, org: str, space: str, q: str = "", status: str = ""):
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
    rows = selectors.proposals_list(viewer=viewer, space=the_space, query=q[:100], status=status[:20])[:200]
    return [_proposal(viewer, p) for p in rows]


@router.post("/ideas/{org}/{space}/proposals", response={201: ProposalOut}, summary="提案する / Propose")
def proposal_create(request, org: str, space: str, payload: ProposalIn):
    require_user(request)
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
    proposal = services.proposal_save(
        viewer=viewer,
        space=the_space,
        title=payload.title,
        body=payload.body,
        category=payload.category,
        publish=payload.publish,
    )
    return Status(201, _proposal(viewer, proposal))


@router.post("/ideas/{org}/{space}/proposals/{proposal_id}/like", response=LikeOut, summary="いいね / Like")
def proposal_like(request, org: str, space: str, proposal_id: int):
    require_user(request)
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    return {"likes": services.like_set(viewer=viewer, kind=TargetKind.PROPOSAL, target=proposal, on=True)}


@router.delete(
    "/ideas/{org}/{space}/proposals/{proposal_id}/like", response=LikeOut, summary="いいねを取り消す / Unlike"
)
def proposal_unlike(request, org: str, space: str, proposal_id: int):
    require_user(request)
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    return {"likes": services.like_set(viewer=viewer, kind=TargetKind.PROPOSAL, target=proposal, on=False)}


@router.post(
    "/ideas/{org}/{space}/proposals/{proposal_id}/answer",
    response=ProposalOut,
    summary="公式回答 / Official answer",
)
def proposal_answer(request, org: str, space: str, proposal_id: int, payload: AnswerPrepareIn):
    require_user(request)
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    proposal = services.proposal_answer_prepare(
        viewer=viewer, proposal=proposal, body=payload.body, status=payload.status
    )
    if payload.publish:
        services.proposal_answers_publish(viewer=viewer, proposals=[proposal])
        proposal.refresh_from_db()
    return _proposal(viewer, proposal)


@router.get("/ideas/{org}/{space}/questions", response=list[QuestionOut], summary="質問の一覧 / Questions")
def questions(request, org: str, space: str, q: str = "", unanswered: bool = False):
    viewer, the_space = _space(request, org, space, SpaceKind.QUESTIONS)
    rows = selectors.questions_list(viewer=viewer, space=the_space, query=q[:100], unanswered=unanswered)[
        :200
    ]
    return [_question(viewer, item) for item in rows]


@router.post("/ideas/{org}/{space}/questions", response={201: QuestionOut}, summary="質問する / Ask")
def question_create(request, org: str, space: str, payload: QuestionIn):
    require_user(request)
    viewer, the_space = _space(request, org, space, SpaceKind.QUESTIONS)
    department = None
    if payload.department_id is not None:
        department = Department.objects.filter(
            organization_id=the_space.organization_id, pk=payload.department_id
        ).first()
        if department is None:
            raise Http404
    question = services.question_create(
        viewer=viewer,
        space=the_space,
        title=payload.title,
        body=payload.body,
        tags=payload.tags,
        department=department,
    )
    return Status(201, _question(viewer, question))


@router.post(
    "/ideas/{org}/{space}/questions/{question_id}/answers",
    response={201: AnswerOut},
    summary="回答する / Answer",
)
def answer_create(request, org: str, space: str, question_id: int, payload: AnswerIn):
    require_user(request)
    viewer, the_space = _space(request, org, space, SpaceKind.QUESTIONS)
    question = selectors.access_question(viewer=viewer, space=the_space, question_id=question_id)
    answer = services.answer_add(viewer=viewer, question=question, body=payload.body)
    return Status(
        201,
        {
            "id": answer.pk,
            "body": answer.body,
            "official": answer.is_official,
            "accepted": answer.accepted,
            "likes": answer.likes_count,
        },
    )
