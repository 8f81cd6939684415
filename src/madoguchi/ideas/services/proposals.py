"""Proposals: post and edit, likes, follows, comments, assignment to a department, official answers and status."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence

from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError, StorageUnavailable
from madoguchi.ideas import notify, searching, workflow
from madoguchi.ideas.constants import ATTACHMENT_SPEC, MAX_ATTACHMENTS, SpaceKind
from madoguchi.ideas.models import Comment, Follow, Like, Moderated, Proposal, ProposalAttachment, Space
from madoguchi.ideas.permissions import Viewer
from madoguchi.ideas.services._common import MODELS, require_moderator, require_post, space_of, text_checked
from madoguchi.ideas.text import clean_text
from madoguchi.procedures.fields import FieldValidationError
from madoguchi.procedures.uploads import check_upload

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------- proposals


def proposal_save(
    *,
    viewer: Viewer,
    space: Space,
    title: str,
    body: str,
    category: str = "",
    publish: bool = False,
    proposal: Proposal | None = None,
    files: Sequence[UploadedFile] = (),
    remove_attachments: Sequence[str] = (),
) -> Proposal:
    """Create a proposal (a draft, or published at once) or edit one: drafts any time, a published
    proposal only by its author within the space's edit window. ``files`` are attached (type
    sniffed from the content, size checked — the uploads' own checks — at most MAX_ATTACHMENTS
    per proposal); ``remove_attachments`` are ids of its attachments to take off."""
    user = require_post(viewer, space)
    if space.kind != SpaceKind.PROPOSALS:
        raise Http404
    errors: dict[str, list[str]] = {}
    title = text_checked(errors, "title", title, label=_("件名"), max_length=120, required=True)
    body = text_checked(errors, "body", body, label=_("提案の内容"), max_length=4000, required=True)
    category = clean_text(category, max_length=60)
    if category and space.categories and category not in space.categories:
        errors["category"] = [_("分類は一覧の中から選んでください。")]
    checked: list[tuple[UploadedFile, str]] = []
    for upload in files:
        try:
            checked.append((upload, check_upload(upload, ATTACHMENT_SPEC)))
        except FieldValidationError as exc:
            errors.setdefault("attachment", []).extend(exc.messages())
    kept = 0
    if proposal is not None:
        kept = proposal.attachments.exclude(pk__in=_uuids(remove_attachments)).count()
    if checked and kept + len(checked) > MAX_ATTACHMENTS:
        errors.setdefault("attachment", []).append(
            _("添付ファイルは1つの提案に%(n)s個までです。") % {"n": MAX_ATTACHMENTS}
        )
    if errors:
        raise FieldErrors(errors)
    now = timezone.now()
    stored: list[str] = []
    try:
        return _proposal_write(
            user=user,
            space=space,
            proposal=proposal,
            title=title,
            body=body,
            category=category,
            publish=publish,
            now=now,
            checked=checked,
            remove_attachments=remove_attachments,
            stored=stored,
        )
    except BaseException:
        for name in stored:  # files no committed row points at
            _storage().delete(name)
        raise


def _storage() -> Storage:
    return ProposalAttachment.file.field.storage


def _delete_files(names: list[str]) -> None:
    storage = _storage()
    for name in names:
        storage.delete(name)


def _uuids(values: Sequence[str]) -> list[str]:
    import uuid

    out = []
    for value in values:
        try:
            out.append(str(uuid.UUID(str(value))))
        except ValueError:
            continue
    return out


def _attach(
    *, proposal: Proposal, user: User, upload: UploadedFile, content_type: str, stored: list[str]
) -> None:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = ProposalAttachment(
        proposal=proposal,
        original_name=(upload.name or "file")[-255:],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    try:
        attachment.file.save(upload.name or "upload", upload, save=False)
    except OSError as exc:  # the disk full, the volume gone (core/storage.py leaves nothing behind)
        logger.exception("could not store a proposal's attachment")
        raise StorageUnavailable(str(exc)) from exc
    stored.append(str(attachment.file.name))
    attachment.save()


def _proposal_write(
    *,
    user: User,
    space: Space,
    proposal: Proposal | None,
    title: str,
    body: str,
    category: str,
    publish: bool,
    now: dt.datetime,
    checked: list[tuple[UploadedFile, str]],
    remove_attachments: Sequence[str],
    stored: list[str],
) -> Proposal:
    removed_files: list[str] = []
    with transaction.atomic():
        if proposal is None:
            proposal = Proposal.objects.create(
                space=space, author=user, title=title, body=body, category=category
            )
            action = "ideas.proposal_created"
        else:
            proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if proposal.author_id != user.pk:
                raise Http404
            if proposal.published_at and now > proposal.published_at + dt.timedelta(
                minutes=space.edit_minutes
            ):
                raise DomainError(
                    _("投稿から%(n)s分を過ぎたため、編集できません。") % {"n": space.edit_minutes}
                )
            proposal.title, proposal.body, proposal.category = title, body, category
            proposal.save(update_fields=["title", "body", "category", "updated_at"])
            action = "ideas.proposal_edited"
        if publish and proposal.published_at is None:
            proposal.status = workflow.start(space)
            proposal.published_at = now
            proposal.save(update_fields=["status", "published_at", "updated_at"])
            Follow.objects.get_or_create(proposal=proposal, user=user)
            action = "ideas.proposal_published"
            if proposal.department_id is None:
                notify.tell_moderators(proposal=proposal, actor=user)
        if remove_attachments:
            leaving = ProposalAttachment.objects.filter(proposal=proposal, pk__in=_uuids(remove_attachments))
            removed_files = [str(a.file.name) for a in leaving]
            leaving.delete()
        for upload, content_type in checked:
            _attach(proposal=proposal, user=user, upload=upload, content_type=content_type, stored=stored)
        audit_record(
            actor=user,
            action=action,
            target=proposal,
            after={
                "title": title,
                "status": proposal.status,
                "attachments": [a.sha256 for a in proposal.attachments.order_by("created_at")],
            },
        )
        searching.announce(proposal)
        if removed_files:
            transaction.on_commit(lambda: _delete_files(removed_files))
    return proposal


def like_set(*, viewer: Viewer, kind: str, target: Moderated, on: bool = True) -> int:
    """Like (or unlike) a post once per person. The count is changed by one F() update in the
    same transaction as the Like row, whose unique constraint refuses a second like: the count
    stays exact however many people press at once. Returns the new count."""
    user = require_post(viewer, space_of(target))
    model = MODELS[kind]
    with transaction.atomic():
        if on:
            try:
                with transaction.atomic():
                    Like.objects.create(user=user, kind=kind, object_id=target.pk)
            except IntegrityError:
                pass  # liked already (a double click, a second tab)
            else:
                model.objects.filter(pk=target.pk).update(likes_count=F("likes_count") + 1)
        else:
            removed, _detail = Like.objects.filter(user=user, kind=kind, object_id=target.pk).delete()
            if removed:
                model.objects.filter(pk=target.pk).update(likes_count=F("likes_count") - 1)
    return model.objects.values_list("likes_count", flat=True).get(pk=target.pk)


def follow_set(*, viewer: Viewer, proposal: Proposal, on: bool) -> None:
    """Follow a proposal (who may post in its space), or stop following it (whoever may read it:
    a muted person too — muting stops posting, never leaving)."""
    if on:
        user = require_post(viewer, proposal.space)
        Follow.objects.get_or_create(proposal=proposal, user=user)
        return
    follower = viewer.signed_in
    if follower is None or not viewer.can_read(proposal.space):
        raise Http404
    Follow.objects.filter(proposal=proposal, user=follower).delete()


def notifications_set(*, user: User, proposal: Proposal, on: bool) -> bool:
    """Stop (or restart) the notifications about one proposal for one person, from the link in a
    notification: they follow it no more (the author too — authors follow their proposal when it is
    published). Works for a muted person as well (muting stops posting, not leaving). Returns
    whether the person follows it now."""
    with transaction.atomic():
        if on:
            Follow.objects.get_or_create(proposal=proposal, user=user)
        else:
            Follow.objects.filter(proposal=proposal, user=user).delete()
        audit_record(
            actor=user, action="ideas.notifications_on" if on else "ideas.notifications_off", target=proposal
        )
    return on


def comment_add(*, viewer: Viewer, proposal: Proposal, body: str, parent: Comment | None = None) -> Comment:
    """Comments are threaded one level: a reply to a reply joins its parent's thread."""
    user = require_post(viewer, proposal.space)
    if proposal.published_at is None or proposal.hidden:
        raise Http404
    errors: dict[str, list[str]] = {}
    text = text_checked(errors, "body", body, label=_("コメント"), max_length=2000, required=True)
    if errors:
        raise FieldErrors(errors)
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise Http404
        parent = parent.parent or parent
    with transaction.atomic():
        comment = Comment.objects.create(proposal=proposal, parent=parent, author=user, body=text)
        Proposal.objects.filter(pk=proposal.pk).update(comments_count=F("comments_count") + 1)
        audit_record(actor=user, action="ideas.comment_added", target=comment)
        notify.tell_followers_of_comment(proposal=proposal, comment_id=comment.pk, actor=user)
    return comment


def proposal_assign(
    *, viewer: Viewer, proposal: Proposal, department: Department, due: dt.date | None = None
) -> Proposal:
    """A moderator asks a department for the official answer; its members are told at once."""
    user = require_moderator(viewer, proposal.space)
    if department.organization_id != proposal.space.organization_id:
        raise FieldErrors({"department": [_("この団体の部署を選んでください。")]})
    if proposal.published_at is None:
        raise DomainError(_("下書きの提案には担当を決められません。"))
    due = due or timezone.localdate() + dt.timedelta(days=proposal.space.answer_days)
    with transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(
            department=department,
            answer_due=due,
            reminded_at=None,
            status=workflow.on_assignment(proposal.space, proposal.status),
        )
        proposal.refresh_from_db()
        audit_record(
            actor=user,
            action="ideas.proposal_assigned",
            target=proposal,
            after={"department": department.pk, "due": due.isoformat()},
        )
        notify.tell_department(
            post=proposal,
            event="ideas.assigned",
            key=f"ideas.assigned:proposal:{proposal.pk}:{department.pk}",
            actor=user,
        )
    return proposal


def _may_answer(viewer: Viewer, proposal: Proposal) -> bool:
    space = proposal.space
    return viewer.is_moderator(space) or viewer.covers(space.organization_id, proposal.department_id)


def proposal_answer_prepare(*, viewer: Viewer, proposal: Proposal, body: str, status: str) -> Proposal:
    """The department writes its answer; nobody but staff sees it until it is published."""
    if not viewer.can_read(proposal.space):
        raise Http404
    if not _may_answer(viewer, proposal):
        raise PermissionDeniedError(_("担当部署の職員だけが公式回答を書けます。"))
    errors: dict[str, list[str]] = {}
    text = text_checked(errors, "answer_body", body, label=_("公式回答"), max_length=4000, required=True)
    if status not in [c.key for c in workflow.answer_choices(proposal.space, proposal.status)]:
        errors["answer_status"] = [_("回答後の状態を選んでください。")]
    if errors:
        raise FieldErrors(errors)
    if proposal.answer_published_at is not None:
        raise DomainError(_("公式回答は公開済みです。"))
    with transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(
            answer_body=text, answer_status=status, answer_prepared_by=viewer.user
        )
        proposal.refresh_from_db()
        audit_record(
            actor=viewer.user, action="ideas.answer_prepared", target=proposal, after={"status": status}
        )
    return proposal


def proposal_answers_publish(
    *, viewer: Viewer, proposals: list[Proposal]
) -> tuple[list[Proposal], list[Proposal]]:
    """Publish prepared official answers (one or many). A proposal's own author can never
    publish the answer that decides it (no self-approval); such proposals are returned as
    refused. The author and the followers are told."""
    published: list[Proposal] = []
    refused: list[Proposal] = []
    now = timezone.now()
    with transaction.atomic():
        for proposal in proposals:
            proposal = (
                Proposal.objects.select_for_update().select_related("space__organization").get(pk=proposal.pk)
            )
            if not viewer.can_read(proposal.space):
                raise Http404
            if not _may_answer(viewer, proposal):
                raise PermissionDeniedError(_("担当部署の職員だけが公式回答を公開できます。"))
            if proposal.author_id == viewer.user.pk:
                refused.append(proposal)
                continue
            if proposal.answer_published_at is not None or not proposal.answer_body:
                continue
            proposal.status = proposal.answer_status or proposal.status
            proposal.answer_published_at = now
            proposal.answered_by = viewer.signed_in  # _may_answer: a signed-in staff member
            proposal.save(update_fields=["status", "answer_published_at", "answered_by", "updated_at"])
            audit_record(
                actor=viewer.user,
                action="ideas.answer_published",
                target=proposal,
                after={"status": proposal.status},
            )
            notify.tell_author_and_followers(proposal=proposal, status_label=proposal.status_label)
            searching.announce(proposal)
            published.append(proposal)
    if refused and not published and len(proposals) == 1:
        raise DomainError(_("自分の提案に公式回答を出すことはできません。"), code="own_proposal")
    return published, refused


def proposal_status_set(*, viewer: Viewer, proposal: Proposal, status: str) -> Proposal:
    """A moderator moves a proposal along its space's workflow (by default 受付 → 検討中 →
    実現/実施済/見送り: only to a status the current one may move to); never their own."""
    user = require_moderator(viewer, proposal.space)
    if status not in [m.key for m in workflow.moves(proposal.space, proposal.status)]:
        raise FieldErrors({"status": [_("進められる状態から選んでください。")]})
    if proposal.author_id == user.pk:
        raise DomainError(_("自分の提案の状態は変えられません。"), code="own_proposal")
    with transaction.atomic():
        before = proposal.status
        Proposal.objects.filter(pk=proposal.pk).update(status=status)
        proposal.refresh_from_db()
        audit_record(
            actor=user,
            action="ideas.status_changed",
            target=proposal,
            before={"status": before},
            after={"status": status},
        )
    return proposal
