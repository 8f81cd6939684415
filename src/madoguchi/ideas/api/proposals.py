"""Proposals: list, create, files, likes, the department's answer, comments and follows."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status, UploadedFile

from madoguchi.accounts.apiauth import require_user
from madoguchi.core.errors import FieldErrors, multipart_file_required
from madoguchi.ideas import selectors, services
from madoguchi.ideas.api.common import (
    AnswerPrepareIn,
    LikeOut,
    ProposalIn,
    ProposalOut,
    proposal_out,
    space_of_kind,
)
from madoguchi.ideas.constants import SpaceKind, TargetKind
from madoguchi.ideas.models import Comment, Follow, Proposal
from madoguchi.ideas.permissions import Viewer

router = Router()  # the package's router gives the tag


@router.get("/ideas/{org}/{space}/proposals", response=list[ProposalOut], summary="提案の一覧 / Proposals")
def proposals(request, org: str, space: str, q: str = "", status: str = ""):
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    rows = selectors.proposals_list(viewer=viewer, space=the_space, query=q[:100], status=status[:20])
    rows = rows.select_related("space__organization").prefetch_related("attachments")[:200]
    return [proposal_out(viewer, p) for p in rows]


@router.post("/ideas/{org}/{space}/proposals", response={201: ProposalOut}, summary="提案する / Propose")
def proposal_create(request, org: str, space: str, payload: ProposalIn):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = services.proposal_save(
        viewer=viewer,
        space=the_space,
        title=payload.title,
        body=payload.body,
        category=payload.category,
        publish=payload.publish,
    )
    return Status(201, proposal_out(viewer, proposal))


def _own_proposal(request, org: str, space: str, proposal_id: int):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    if proposal.author_id != viewer.user.pk:
        raise Http404  # someone else's proposal: nothing to add files to
    return viewer, the_space, proposal


def _saved(viewer: Viewer, the_space, proposal: Proposal, **change) -> Proposal:
    """The proposal as it is, with files added or taken off (the page's own service and checks)."""
    services.proposal_save(
        viewer=viewer,
        space=the_space,
        proposal=proposal,
        title=proposal.title,
        body=proposal.body,
        category=proposal.category,
        **change,
    )
    return Proposal.objects.select_related("space__organization", "department").get(pk=proposal.pk)


@router.post(
    "/ideas/{org}/{space}/proposals/{proposal_id}/attachments",
    response={201: ProposalOut},
    summary="提案にファイルを添付する（multipart/form-data の file） / Attach a file",
)
def proposal_attachment_add(
    request,
    org: str,
    space: str,
    proposal_id: int,
    file: UploadedFile | None = File(None),  # noqa: B008
):
    viewer, the_space, proposal = _own_proposal(request, org, space, proposal_id)
    file = multipart_file_required(request, file, missing=_("添付するファイルを選んでください。"))
    try:
        saved = _saved(viewer, the_space, proposal, files=[file])
    except FieldErrors as exc:  # the page calls the field "attachment"; here it is "file"
        raise FieldErrors(
            {"file" if key == "attachment" else key: v for key, v in exc.errors.items()}
        ) from None
    return Status(201, proposal_out(viewer, saved))


@router.delete(
    "/ideas/{org}/{space}/proposals/{proposal_id}/attachments/{attachment_id}",
    response=ProposalOut,
    summary="添付ファイルを外す / Remove an attachment",
)
def proposal_attachment_remove(request, org: str, space: str, proposal_id: int, attachment_id: str):
    viewer, the_space, proposal = _own_proposal(request, org, space, proposal_id)
    wanted = _uuid_or_none(attachment_id)
    if wanted is None or not proposal.attachments.filter(pk=wanted).exists():
        raise Http404
    return proposal_out(viewer, _saved(viewer, the_space, proposal, remove_attachments=[attachment_id]))


def _uuid_or_none(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@router.post("/ideas/{org}/{space}/proposals/{proposal_id}/like", response=LikeOut, summary="いいね / Like")
def proposal_like(request, org: str, space: str, proposal_id: int):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    return {"likes": services.like_set(viewer=viewer, kind=TargetKind.PROPOSAL, target=proposal, on=True)}


@router.delete(
    "/ideas/{org}/{space}/proposals/{proposal_id}/like", response=LikeOut, summary="いいねを取り消す / Unlike"
)
def proposal_unlike(request, org: str, space: str, proposal_id: int):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    return {"likes": services.like_set(viewer=viewer, kind=TargetKind.PROPOSAL, target=proposal, on=False)}


@router.post(
    "/ideas/{org}/{space}/proposals/{proposal_id}/answer",
    response=ProposalOut,
    summary="公式回答 / Official answer",
)
def proposal_answer(request, org: str, space: str, proposal_id: int, payload: AnswerPrepareIn):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    proposal = services.proposal_answer_prepare(
        viewer=viewer, proposal=proposal, body=payload.body, status=payload.status
    )
    if payload.publish:
        services.proposal_answers_publish(viewer=viewer, proposals=[proposal])
        proposal.refresh_from_db()
    return proposal_out(viewer, proposal)


# ---------------------------------------------------------------------------- comments and follows


class CommentIn(Schema):
    body: str = Field(max_length=20000)
    parent_id: int | None = None


class CommentOut(Schema):
    id: int
    parent_id: int | None
    body: str
    author: str
    likes: int
    created_at: dt.datetime
    hidden: bool


class FollowOut(Schema):
    following: bool


def _comment(viewer: Viewer, c: Comment, space) -> dict:
    return {
        "id": c.pk,
        "parent_id": c.parent_id,
        "body": c.body,
        "author": selectors.author_label(viewer=viewer, space=space, author=c.author),
        "likes": c.likes_count,
        "created_at": c.created_at,
        "hidden": c.hidden,
    }


@router.get(
    "/ideas/{org}/{space}/proposals/{proposal_id}/comments",
    response=list[CommentOut],
    summary="コメントの一覧 / Comments",
)
def comments(request, org: str, space: str, proposal_id: int):
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    rows = []
    for comment, replies in selectors.comments_of(viewer=viewer, proposal=proposal):
        rows.append(_comment(viewer, comment, the_space))
        rows += [_comment(viewer, reply, the_space) for reply in replies]
    return rows


@router.post(
    "/ideas/{org}/{space}/proposals/{proposal_id}/comments",
    response={201: CommentOut},
    summary="コメントする / Comment",
)
def comment_create(request, org: str, space: str, proposal_id: int, payload: CommentIn):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    parent = None
    if payload.parent_id is not None:
        parent = Comment.objects.filter(proposal=proposal, pk=payload.parent_id, hidden=False).first()
        if parent is None:
            raise FieldErrors({"parent_id": [_("返信先のコメントが見つかりません。")]})
    comment = services.comment_add(viewer=viewer, proposal=proposal, body=payload.body, parent=parent)
    return Status(201, _comment(viewer, comment, the_space))


@router.put(
    "/ideas/{org}/{space}/proposals/{proposal_id}/follow", response=FollowOut, summary="フォロー / Follow"
)
def follow(request, org: str, space: str, proposal_id: int):
    require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    services.follow_set(viewer=viewer, proposal=proposal, on=True)
    return {"following": True}


@router.delete(
    "/ideas/{org}/{space}/proposals/{proposal_id}/follow",
    response=FollowOut,
    summary="フォローをやめる / Unfollow",
)
def unfollow(request, org: str, space: str, proposal_id: int):
    user = require_user(request)
    viewer, the_space = space_of_kind(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    services.notifications_set(user=user, proposal=proposal, on=False)  # also for a muted person
    return {"following": Follow.objects.filter(proposal=proposal, user=user).exists()}
