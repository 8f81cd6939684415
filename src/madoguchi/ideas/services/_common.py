"""What the ideas services share: the space of a post, permission checks, text cleaning."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from madoguchi.accounts.models import User
from madoguchi.core.errors import PermissionDeniedError
from madoguchi.ideas.constants import TargetKind
from madoguchi.ideas.models import Answer, Comment, Moderated, Proposal, Question, Space
from madoguchi.ideas.permissions import Viewer
from madoguchi.ideas.text import clean_text

MODELS: dict[str, type[Proposal] | type[Comment] | type[Question] | type[Answer]] = {
    TargetKind.PROPOSAL: Proposal,
    TargetKind.COMMENT: Comment,
    TargetKind.QUESTION: Question,
    TargetKind.ANSWER: Answer,
}


def space_of(target: Moderated) -> Space:
    if isinstance(target, Proposal | Question):
        return target.space
    if isinstance(target, Comment):
        return target.proposal.space
    if isinstance(target, Answer):
        return target.question.space
    raise TypeError(target)


def require_post(viewer: Viewer, space: Space) -> User:
    if not viewer.can_read(space):
        raise Http404
    user = viewer.signed_in
    if user is None or not viewer.can_post(space):  # can_post: signed in
        raise PermissionDeniedError(_("この場所に投稿する権限がありません。"))
    return user


def require_moderator(viewer: Viewer, space: Space) -> User:
    if not viewer.can_read(space):
        raise Http404
    user = viewer.signed_in
    if user is None or not viewer.is_moderator(space):  # is_moderator: signed in
        raise PermissionDeniedError(_("この操作はモデレーターだけができます。"))
    return user


def text_checked(
    errors: dict[str, list[str]], key: str, value: str, *, label: str, max_length: int, required: bool
) -> str:
    text = clean_text(value, max_length=max_length)
    if required and not text:
        errors[key] = [_("%(label)sを入力してください。") % {"label": label}]
    elif len(text) > max_length:
        errors[key] = [_("%(label)sは%(n)s文字以内にしてください。") % {"label": label, "n": max_length}]
    return text
