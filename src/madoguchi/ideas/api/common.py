"""What the ideas API's modules share: the schemas of proposals and questions and the look-ups."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.urls import reverse
from ninja import Field, Schema

from madoguchi.ideas import selectors
from madoguchi.ideas.models import Proposal, Question
from madoguchi.ideas.permissions import Viewer


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    url: str


class ProposalOut(Schema):
    id: int
    title: str
    body: str
    category: str
    status: str
    status_label: str = ""
    author: str
    likes: int
    comments: int
    published_at: dt.datetime | None
    department: str | None
    official_answer: str | None
    answered_at: dt.datetime | None
    attachments: list[AttachmentOut] = []


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


def space_of_kind(request, org: str, space: str, kind: str):
    viewer = Viewer.of(request)
    the_space = selectors.access_space(viewer=viewer, org_slug=org, slug=space)
    if the_space.kind != kind:
        raise Http404
    return viewer, the_space


def proposal_out(viewer: Viewer, p: Proposal) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "body": p.body,
        "category": p.category,
        "status": p.status,
        "status_label": p.status_label,
        "author": selectors.author_label(viewer=viewer, space=p.space, author=p.author),
        "likes": p.likes_count,
        "comments": p.comments_count,
        "published_at": p.published_at,
        "department": p.department.name if p.department_id else None,
        "official_answer": p.answer_body if p.answer_published_at else None,
        "answered_at": p.answer_published_at,
        "attachments": [
            {
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "url": reverse(
                    "ideas:proposal_attachment", args=[p.space.organization.slug, p.space.slug, p.pk, a.pk]
                ),
            }
            for a in p.attachments.all()
        ],
    }


def question_out(viewer: Viewer, q: Question) -> dict:
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
