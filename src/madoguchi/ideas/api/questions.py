"""Q&A: questions, similar questions while typing, answers."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from madoguchi.accounts.apiauth import require_user
from madoguchi.accounts.models import Department
from madoguchi.core.errors import FieldErrors
from madoguchi.ideas import selectors, services
from madoguchi.ideas.api.common import (
    AnswerIn,
    AnswerOut,
    QuestionIn,
    QuestionOut,
    question_out,
    space_of_kind,
)
from madoguchi.ideas.constants import SpaceKind

router = Router()  # the package's router gives the tag


@router.get("/ideas/{org}/{space}/questions", response=list[QuestionOut], summary="質問の一覧 / Questions")
def questions(request, org: str, space: str, q: str = "", unanswered: bool = False):
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.QUESTIONS)
    rows = selectors.questions_list(viewer=viewer, space=the_space, query=q[:100], unanswered=unanswered)[
        :200
    ]
    return [question_out(viewer, item) for item in rows]


class SimilarOut(Schema):
    id: int
    title: str
    url: str
    has_official_answer: bool


@router.get(
    "/ideas/{org}/{space}/questions/similar",
    response=list[SimilarOut],
    url_name="ideas_questions_similar",
    summary="似た質問 / Similar questions",
)
def questions_similar(request, org: str, space: str, title: str = ""):
    """Existing questions like ``title`` (the site search), for the page that asks a new one."""
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.QUESTIONS)
    found = selectors.similar_questions(viewer=viewer, space=the_space, title=title[:120])
    return [
        {
            "id": q.pk,
            "title": q.title,
            "url": reverse("ideas:question", args=[the_space.organization.slug, the_space.slug, q.pk]),
            "has_official_answer": q.has_official_answer,
        }
        for q in found
    ]


@router.post("/ideas/{org}/{space}/questions", response={201: QuestionOut}, summary="質問する / Ask")
def question_create(request, org: str, space: str, payload: QuestionIn):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.QUESTIONS)
    department = None
    if payload.department_id is not None:
        department = Department.objects.filter(
            organization_id=the_space.organization_id, pk=payload.department_id
        ).first()
        if department is None:
            raise FieldErrors({"department_id": [_("この団体の部署を選んでください。")]})
    question = services.question_create(
        viewer=viewer,
        space=the_space,
        title=payload.title,
        body=payload.body,
        tags=payload.tags,
        department=department,
    )
    return Status(201, question_out(viewer, question))


@router.post(
    "/ideas/{org}/{space}/questions/{question_id}/answers",
    response={201: AnswerOut},
    summary="回答する / Answer",
)
def answer_create(request, org: str, space: str, question_id: int, payload: AnswerIn):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.QUESTIONS)
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
