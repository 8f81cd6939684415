"""Reports, and the moderators' hiding and muting."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from madoguchi.accounts.apiauth import require_user
from madoguchi.accounts.models import User
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.ideas import selectors, services
from madoguchi.ideas.constants import TargetKind
from madoguchi.ideas.permissions import Viewer

router = Router()  # the package's router gives the tag


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
