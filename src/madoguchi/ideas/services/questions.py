"""The Q&A: questions, answers, the accepted answer, assignment to a department."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.ideas import notify, searching
from madoguchi.ideas.constants import SpaceKind
from madoguchi.ideas.models import Answer, Question, Space
from madoguchi.ideas.permissions import Viewer
from madoguchi.ideas.services._common import require_moderator, require_post, text_checked
from madoguchi.ideas.text import clean_text

# ---------------------------------------------------------------------------- Q&A


def question_create(
    *,
    viewer: Viewer,
    space: Space,
    title: str,
    body: str = "",
    tags: str = "",
    department: Department | None = None,
) -> Question:
    user = require_post(viewer, space)
    if space.kind != SpaceKind.QUESTIONS:
        raise Http404
    errors: dict[str, list[str]] = {}
    title = text_checked(errors, "title", title, label=_("質問"), max_length=120, required=True)
    body = text_checked(errors, "body", body, label=_("詳しい内容"), max_length=4000, required=False)
    tag_list = list(
        dict.fromkeys(t.lstrip("#＃") for t in clean_text(tags, max_length=200).replace("、", " ").split())
    )
    if len(tag_list) > 5 or any(len(t) > 20 for t in tag_list):
        errors["tags"] = [_("タグは5つまで、1つ20文字以内にしてください。")]
    if department is not None and department.organization_id != space.organization_id:
        errors["department"] = [_("この団体の部署を選んでください。")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        question = Question.objects.create(
            space=space, author=user, title=title, body=body, tags=" ".join(tag_list), department=department
        )
        audit_record(actor=user, action="ideas.question_created", target=question)
        searching.announce(question)
        if department is not None:
            notify.tell_department(
                post=question,
                event="ideas.assigned",
                key=f"ideas.assigned:question:{question.pk}:{department.pk}",
                actor=user,
            )
    return question


def answer_add(*, viewer: Viewer, question: Question, body: str) -> Answer:
    """Anyone who may post answers; a member of the question's department answers officially (公式回答)."""
    space = question.space
    user = require_post(viewer, space)
    if question.hidden:
        raise Http404
    errors: dict[str, list[str]] = {}
    text = text_checked(errors, "body", body, label=_("回答"), max_length=4000, required=True)
    if errors:
        raise FieldErrors(errors)
    official = viewer.covers(space.organization_id, question.department_id)
    with transaction.atomic():
        answer = Answer.objects.create(question=question, author=user, body=text, is_official=official)
        updates: dict[str, Any] = {"answers_count": F("answers_count") + 1}
        if official:
            updates["has_official_answer"] = True
        Question.objects.filter(pk=question.pk).update(**updates)
        audit_record(actor=user, action="ideas.answer_added", target=answer, after={"official": official})
    return answer


def answer_accept(*, viewer: Viewer, answer: Answer) -> Answer:
    question = answer.question
    user = require_post(viewer, question.space)
    if question.author_id != user.pk:
        raise PermissionDeniedError(_("回答を選べるのは質問した人だけです。"))
    with transaction.atomic():
        Answer.objects.filter(question=question, accepted=True).update(accepted=False)
        Answer.objects.filter(pk=answer.pk).update(accepted=True)
        answer.refresh_from_db()
        audit_record(actor=user, action="ideas.answer_accepted", target=answer)
    return answer


def question_assign(*, viewer: Viewer, question: Question, department: Department) -> Question:
    user = require_moderator(viewer, question.space)
    if department.organization_id != question.space.organization_id:
        raise FieldErrors({"department": [_("この団体の部署を選んでください。")]})
    with transaction.atomic():
        Question.objects.filter(pk=question.pk).update(department=department)
        question.refresh_from_db()
        audit_record(
            actor=user, action="ideas.question_assigned", target=question, after={"department": department.pk}
        )
        notify.tell_department(
            post=question,
            event="ideas.assigned",
            key=f"ideas.assigned:question:{question.pk}:{department.pk}",
            actor=user,
        )
    return question
