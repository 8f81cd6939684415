"""JSON door to the proposal box and Q&A — the same services as the pages:

- ``GET  /api/v1/ideas/{org}/{space}/proposals`` and ``POST`` (create; ``publish``),
- ``POST /api/v1/ideas/{org}/{space}/proposals/{id}/attachments`` (the author adds a file,
  ``multipart/form-data`` field ``file``; ``DELETE …/attachments/{attachment_id}`` takes one off —
  within the space's edit window, as on the page),
- ``POST /api/v1/ideas/{org}/{space}/proposals/{id}/like`` (``DELETE`` to unlike),
- ``POST /api/v1/ideas/{org}/{space}/proposals/{id}/answer`` (the department prepares; ``publish``),
- ``GET  /api/v1/ideas/{org}/{space}/questions`` and ``POST``,
- ``POST /api/v1/ideas/{org}/{space}/questions/{id}/answers``,
- ``GET/POST /api/v1/ideas/{org}/{space}/proposals/{id}/comments`` (``parent_id`` for a reply),
- ``PUT/DELETE /api/v1/ideas/{org}/{space}/proposals/{id}/follow``,
- ``POST /api/v1/ideas/{org}/{space}/reports`` (report a post), and for moderators
  ``POST …/moderation/hidden`` (hide or show with a reason) and ``POST …/moderation/mutes``.

A staff-only space is 404 to anyone without a staff session of its organization. Refused input
answers 422 with the message per field (``kind``, ``reason``, ``body``, ``parent_id``,
``department_id``, ``user_id`` …), a rule that refuses the action 403/409.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status, UploadedFile

from madoguchi.accounts.apiauth import require_user
from madoguchi.accounts.models import Department, User
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.ideas import selectors, services
from madoguchi.ideas.constants import SpaceKind, TargetKind
from madoguchi.ideas.models import Comment, Follow, Proposal, Question
from madoguchi.ideas.permissions import Viewer

router = Router(tags=["ideas"])


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
    rows = selectors.proposals_list(viewer=viewer, space=the_space, query=q[:100], status=status[:20])
    rows = rows.select_related("space__organization").prefetch_related("attachments")[:200]
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


def _own_proposal(request, org: str, space: str, proposal_id: int):
    require_user(request)
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
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
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise DomainError(
            _("ファイルは multipart/form-data の file で送ってください。"),
            code="unsupported_media_type",
            status=415,
        )
    if file is None:
        raise FieldErrors({"file": [_("添付するファイルを選んでください。")]})
    try:
        saved = _saved(viewer, the_space, proposal, files=[file])
    except FieldErrors as exc:  # the page calls the field "attachment"; here it is "file"
        raise FieldErrors(
            {"file" if key == "attachment" else key: v for key, v in exc.errors.items()}
        ) from None
    return Status(201, _proposal(viewer, saved))


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
    return _proposal(viewer, _saved(viewer, the_space, proposal, remove_attachments=[attachment_id]))


def _uuid_or_none(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        return None


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
    viewer, the_space = _space(request, org, space, SpaceKind.QUESTIONS)
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
    viewer, the_space = _space(request, org, space, SpaceKind.QUESTIONS)
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
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
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
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
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
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
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
    viewer, the_space = _space(request, org, space, SpaceKind.PROPOSALS)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=proposal_id)
    services.notifications_set(user=user, proposal=proposal, on=False)  # also for a muted person
    return {"following": Follow.objects.filter(proposal=proposal, user=user).exists()}


# ---------------------------------------------------------------------------- moderation


class ReportIn(Schema):
    kind: str = Field(max_length=20)
    id: int
    reason: str = Field(max_length=20)
    note: str = Field(default="", max_length=2000)


class ReportOut(Schema):
    hidden: bool


class HiddenIn(Schema):
    kind: str = Field(max_length=20)
    id: int
    hidden: bool
    reason: str = Field(default="", max_length=2000)


class HiddenOut(Schema):
    hidden: bool


class MuteIn(Schema):
    user_id: int
    on: bool = True
    reason: str = Field(default="", max_length=2000)


class MuteOut(Schema):
    muted: bool


def _post(viewer: Viewer, the_space, kind: str, post_id: int):
    if kind not in TargetKind.values:
        raise FieldErrors(
            {"kind": [_("kind は proposal, comment, question, answer のいずれかにしてください。")]}
        )
    return selectors.access_post(viewer=viewer, space=the_space, kind=kind, post_id=post_id)


def _any_space(request, org: str, space: str):
    viewer = Viewer.of(request)
    return viewer, selectors.access_space(viewer=viewer, org_slug=org, slug=space)


@router.post("/ideas/{org}/{space}/reports", response={201: ReportOut}, summary="通報する / Report a post")
def report(request, org: str, space: str, payload: ReportIn):
    """Once per person (a second report of the same post changes nothing); the report that
    reaches the space's threshold hides the post (``hidden``)."""
    require_user(request)
    viewer, the_space = _any_space(request, org, space)
    post = _post(viewer, the_space, payload.kind, payload.id)
    services.report_add(
        viewer=viewer, kind=payload.kind, target=post, reason=payload.reason, note=payload.note
    )
    post.refresh_from_db(fields=["hidden"])
    return Status(201, {"hidden": post.hidden})


@router.post(
    "/ideas/{org}/{space}/moderation/hidden",
    response=HiddenOut,
    summary="非表示にする・戻す（モデレーター） / Hide or show a post",
)
def moderation_hidden(request, org: str, space: str, payload: HiddenIn):
    require_user(request)
    viewer, the_space = _any_space(request, org, space)
    post = _post(viewer, the_space, payload.kind, payload.id)
    services.moderation_set_hidden(
        viewer=viewer, kind=payload.kind, target=post, hidden=payload.hidden, reason=payload.reason
    )
    return {"hidden": payload.hidden}


@router.post(
    "/ideas/{org}/{space}/moderation/mutes",
    response=MuteOut,
    summary="投稿を止める（モデレーター） / Mute a person",
)
def moderation_mute(request, org: str, space: str, payload: MuteIn):
    require_user(request)
    viewer, the_space = _any_space(request, org, space)
    if not viewer.is_moderator(the_space):
        raise PermissionDeniedError(_("この操作はモデレーターだけができます。"))
    person = User.objects.filter(pk=payload.user_id, is_active=True).first()
    if person is None:
        raise FieldErrors({"user_id": [_("指定された人が見つかりません。")]})
    services.mute_set(viewer=viewer, space=the_space, user=person, reason=payload.reason, on=payload.on)
    return {"muted": payload.on}
