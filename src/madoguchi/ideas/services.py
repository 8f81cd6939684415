"""Writes of the proposal box and the Q&A (docs/ideas.md). Every function checks the viewer's
permission, changes state in one transaction, writes the audit entry and the notification rows
(sent after commit by the outbox)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.ideas import notify
from madoguchi.ideas.constants import (
    ANSWER_STATUSES,
    REMINDER_DAYS,
    ProposalStatus,
    ReportReason,
    SpaceKind,
    TargetKind,
    Visibility,
)
from madoguchi.ideas.models import (
    Answer,
    Comment,
    Follow,
    Like,
    Moderated,
    Mute,
    Proposal,
    Question,
    Report,
    Space,
)
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


def _require_post(viewer: Viewer, space: Space) -> User:
    if not viewer.can_read(space):
        raise Http404
    if not viewer.can_post(space):
        raise PermissionDeniedError(_("この場所に投稿する権限がありません。"))
    return viewer.user


def _require_moderator(viewer: Viewer, space: Space) -> User:
    if not viewer.can_read(space):
        raise Http404
    if not viewer.is_moderator(space):
        raise PermissionDeniedError(_("この操作はモデレーターだけができます。"))
    return viewer.user


def _text(
    errors: dict[str, list[str]], key: str, value: str, *, label: str, max_length: int, required: bool
) -> str:
    text = clean_text(value, max_length=max_length)
    if required and not text:
        errors[key] = [_("%(label)sを入力してください。") % {"label": label}]
    elif len(text) > max_length:
        errors[key] = [_("%(label)sは%(n)s文字以内にしてください。") % {"label": label, "n": max_length}]
    return text


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
) -> Proposal:
    """Create a proposal (a draft, or published at once) or edit one: drafts any time, a published
    proposal only by its author within the space's edit window."""
    user = _require_post(viewer, space)
    if space.kind != SpaceKind.PROPOSALS:
        raise Http404
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, label=_("件名"), max_length=120, required=True)
    body = _text(errors, "body", body, label=_("提案の内容"), max_length=4000, required=True)
    category = clean_text(category, max_length=60)
    if category and space.categories and category not in space.categories:
        errors["category"] = [_("分類は一覧の中から選んでください。")]
    if errors:
        raise FieldErrors(errors)
    now = timezone.now()
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
            proposal.status = ProposalStatus.RECEIVED
            proposal.published_at = now
            proposal.save(update_fields=["status", "published_at", "updated_at"])
            Follow.objects.get_or_create(proposal=proposal, user=user)
            action = "ideas.proposal_published"
        audit_record(
            actor=user, action=action, target=proposal, after={"title": title, "status": proposal.status}
        )
    return proposal


def like_set(*, viewer: Viewer, kind: str, target: Moderated, on: bool = True) -> int:
    """Like (or unlike) a post once per person. The count is changed by one F() update in the
    same transaction as the Like row, whose unique constraint refuses a second like: the count
    stays exact however many people press at once. Returns the new count."""
    user = _require_post(viewer, space_of(target))
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
    user = _require_post(viewer, proposal.space)
    if on:
        Follow.objects.get_or_create(proposal=proposal, user=user)
    else:
        Follow.objects.filter(proposal=proposal, user=user).delete()


def comment_add(*, viewer: Viewer, proposal: Proposal, body: str, parent: Comment | None = None) -> Comment:
    """Comments are threaded one level: a reply to a reply joins its parent's thread."""
    user = _require_post(viewer, proposal.space)
    if proposal.published_at is None or proposal.hidden:
        raise Http404
    errors: dict[str, list[str]] = {}
    text = _text(errors, "body", body, label=_("コメント"), max_length=2000, required=True)
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
    return comment


def proposal_assign(
    *, viewer: Viewer, proposal: Proposal, department: Department, due: dt.date | None = None
) -> Proposal:
    """A moderator asks a department for the official answer; its members are told at once."""
    user = _require_moderator(viewer, proposal.space)
    if department.organization_id != proposal.space.organization_id:
        raise FieldErrors({"department": [_("この団体の部署を選んでください。")]})
    if proposal.published_at is None:
        raise DomainError(_("下書きの提案には担当を決められません。"))
    due = due or timezone.localdate() + dt.timedelta(days=proposal.space.answer_days)
    with transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(
            department=department, answer_due=due, reminded_at=None, status=ProposalStatus.CONSIDERING
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
    text = _text(errors, "answer_body", body, label=_("公式回答"), max_length=4000, required=True)
    if status not in ANSWER_STATUSES:
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
            proposal.status = proposal.answer_status or ProposalStatus.CONSIDERING
            proposal.answer_published_at = now
            proposal.answered_by = viewer.user
            proposal.save(update_fields=["status", "answer_published_at", "answered_by", "updated_at"])
            audit_record(
                actor=viewer.user,
                action="ideas.answer_published",
                target=proposal,
                after={"status": proposal.status},
            )
            notify.tell_author_and_followers(
                proposal=proposal, status_label=str(proposal.get_status_display())
            )
            published.append(proposal)
    if refused and not published and len(proposals) == 1:
        raise DomainError(_("自分の提案に公式回答を出すことはできません。"), code="own_proposal")
    return published, refused


def proposal_status_set(*, viewer: Viewer, proposal: Proposal, status: str) -> Proposal:
    """A moderator moves a proposal along (受付 → 検討中 → 実現/実施済/見送り); never their own."""
    user = _require_moderator(viewer, proposal.space)
    if status not in ANSWER_STATUSES and status != ProposalStatus.RECEIVED:
        raise FieldErrors({"status": [_("状態を選んでください。")]})
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
    user = _require_post(viewer, space)
    if space.kind != SpaceKind.QUESTIONS:
        raise Http404
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, label=_("質問"), max_length=120, required=True)
    body = _text(errors, "body", body, label=_("詳しい内容"), max_length=4000, required=False)
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
    user = _require_post(viewer, space)
    if question.hidden:
        raise Http404
    errors: dict[str, list[str]] = {}
    text = _text(errors, "body", body, label=_("回答"), max_length=4000, required=True)
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
    user = _require_post(viewer, question.space)
    if question.author_id != user.pk:
        raise PermissionDeniedError(_("回答を選べるのは質問した人だけです。"))
    with transaction.atomic():
        Answer.objects.filter(question=question, accepted=True).update(accepted=False)
        Answer.objects.filter(pk=answer.pk).update(accepted=True)
        answer.refresh_from_db()
        audit_record(actor=user, action="ideas.answer_accepted", target=answer)
    return answer


def question_assign(*, viewer: Viewer, question: Question, department: Department) -> Question:
    user = _require_moderator(viewer, question.space)
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


# ---------------------------------------------------------------------------- moderation


def _title_and_url(target: Moderated) -> tuple[str, str]:
    if isinstance(target, Proposal):
        return target.title, notify.proposal_url(target)
    if isinstance(target, Comment):
        return target.body[:40], notify.proposal_url(target.proposal)
    if isinstance(target, Question):
        return target.title, notify.question_url(target)
    assert isinstance(target, Answer)
    return target.body[:40], notify.question_url(target.question)


def report_add(*, viewer: Viewer, kind: str, target: Moderated, reason: str, note: str = "") -> bool:
    """Report a post (once per person). At the space's threshold (3 by default) the post is hidden
    at once. The target row is locked while its reports are counted, so the third of three
    simultaneous reports hides it exactly once. Returns True when this report hid the post."""
    space = space_of(target)
    user = _require_post(viewer, space)
    if reason not in ReportReason.values:
        raise FieldErrors({"reason": [_("通報の理由を選んでください。")]})
    model = MODELS[kind]
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=target.pk)
        try:
            with transaction.atomic():
                Report.objects.create(
                    reporter=user,
                    kind=kind,
                    object_id=target.pk,
                    reason=reason,
                    note=clean_text(note, max_length=300),
                )
        except IntegrityError:
            return False  # reported by this person already
        count = Report.objects.filter(kind=kind, object_id=target.pk, resolved_at__isnull=True).count()
        hide_now = not locked.hidden and count >= space.hide_after_reports
        fields: dict[str, Any] = {"report_count": count}
        if hide_now:
            fields |= {
                "hidden": True,
                "hidden_reason": str(_("複数の通報があったため、確認のあいだ非表示にしています。")),
            }
        model.objects.filter(pk=target.pk).update(**fields)
        audit_record(
            actor=user, action="ideas.reported", target=locked, after={"reason": reason, "count": count}
        )
        if hide_now:
            audit_record(actor="system", action="ideas.auto_hidden", target=locked, after={"reports": count})
    return hide_now


def moderation_set_hidden(*, viewer: Viewer, kind: str, target: Moderated, hidden: bool, reason: str) -> None:
    """Hide or show a post with a reason; the author is told the reason. Open reports are resolved."""
    space = space_of(target)
    user = _require_moderator(viewer, space)
    reason = clean_text(reason, max_length=300)
    if hidden and not reason:
        raise FieldErrors({"reason": [_("非表示にする理由を入力してください（投稿者に伝えます）。")]})
    model = MODELS[kind]
    with transaction.atomic():
        model.objects.filter(pk=target.pk).update(hidden=hidden, hidden_reason=reason if hidden else "")
        Report.objects.filter(kind=kind, object_id=target.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        audit_record(
            actor=user,
            action="ideas.hidden" if hidden else "ideas.unhidden",
            target=target,
            after={"reason": reason},
        )
        if hidden:
            title, url = _title_and_url(target)
            notify.tell_author_hidden(
                author=target.author,  # type: ignore[attr-defined]
                space=space,
                title=title,
                url=url,
                reason=reason,
                key=f"ideas.moderated:{kind}:{target.pk}:{timezone.now().isoformat()}",
            )


def mute_set(*, viewer: Viewer, space: Space, user: User, reason: str, on: bool = True) -> None:
    actor = _require_moderator(viewer, space)
    with transaction.atomic():
        if on:
            reason = clean_text(reason, max_length=300)
            if not reason:
                raise FieldErrors({"reason": [_("理由を入力してください。")]})
            Mute.objects.get_or_create(space=space, user=user, defaults={"reason": reason, "muted_by": actor})
        else:
            Mute.objects.filter(space=space, user=user).delete()
        audit_record(
            actor=actor,
            action="ideas.muted" if on else "ideas.unmuted",
            target=space,
            after={"user": user.pk},
        )


# ---------------------------------------------------------------------------- reminders


def ideas_remind_due(*, today: dt.date | None = None) -> int:
    """Tell departments whose official answer is due within REMINDER_DAYS (once per assignment)."""
    today = today or timezone.localdate()
    due = Proposal.objects.filter(
        department__isnull=False,
        answer_published_at__isnull=True,
        reminded_at__isnull=True,
        answer_due__lte=today + dt.timedelta(days=REMINDER_DAYS),
    ).select_related("space__organization")
    count = 0
    for proposal in due:
        with transaction.atomic():
            if Proposal.objects.filter(pk=proposal.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                notify.tell_department(
                    post=proposal,
                    event="ideas.answer_due",
                    key=f"ideas.answer_due:{proposal.pk}:{proposal.answer_due}",
                )
                count += 1
    return count


# ---------------------------------------------------------------------------- spaces


def space_save(
    *,
    viewer: Viewer,
    organization_id: int,
    values: dict[str, Any],
    space: Space | None = None,
) -> Space:
    """Create or change a space (the organization's admins): no code needed for a new box."""
    if not (
        viewer.staff_of(organization_id)
        and (viewer.user.is_superuser or viewer.scope.has_role("admin", organization_id=organization_id))
    ):
        raise Http404
    errors: dict[str, list[str]] = {}
    name = _text(errors, "name", values.get("name", ""), label=_("名称"), max_length=200, required=True)
    slug = clean_text(values.get("slug", ""), max_length=60).lower()
    if not slug or not all(c.isalnum() and c.isascii() or c == "-" for c in slug):
        errors["slug"] = [_("URLに使う名前は半角英数字とハイフンで入力してください。")]
    elif (
        Space.objects.filter(organization_id=organization_id, slug=slug)
        .exclude(pk=space.pk if space is not None else 0)
        .exists()
    ):
        errors["slug"] = [_("この名前はすでに使われています。")]
    kind = values.get("kind", "")
    if kind not in SpaceKind.values:
        errors["kind"] = [_("種類を選んでください。")]
    visibility = values.get("visibility", "")
    if visibility not in Visibility.values:
        errors["visibility"] = [_("公開範囲を選んでください。")]
    numbers: dict[str, int] = {}
    for key, low, high in (
        ("edit_minutes", 0, 1440),
        ("hide_after_reports", 1, 100),
        ("answer_days", 1, 365),
    ):
        raw = clean_text(str(values.get(key, "")), max_length=10)
        try:
            numbers[key] = int(unicodedata.normalize("NFKC", raw))
            if not low <= numbers[key] <= high:
                raise ValueError
        except ValueError:
            errors[key] = [
                _("%(low)s から %(high)s までの数を入力してください。") % {"low": low, "high": high}
            ]
    department = None
    if values.get("moderator_department"):
        department = Department.objects.filter(
            organization_id=organization_id,
            pk=int(values["moderator_department"]) if str(values["moderator_department"]).isdigit() else 0,
        ).first()
        if department is None:
            errors["moderator_department"] = [_("この団体の部署を選んでください。")]
    categories = [
        c.strip() for c in clean_text(values.get("categories", ""), max_length=2000).splitlines() if c.strip()
    ]
    if len(categories) > 20 or any(len(c) > 60 for c in categories):
        errors["categories"] = [_("分類は20個まで、1つ60文字以内にしてください。")]
    if errors:
        raise FieldErrors(errors)
    fields = {
        "name": name,
        "slug": slug,
        "description": clean_text(values.get("description", ""), max_length=2000),
        "kind": kind,
        "visibility": visibility,
        "anonymous": bool(values.get("anonymous")),
        "moderator_department": department,
        "body_template": clean_text(values.get("body_template", ""), max_length=2000),
        "categories": categories,
        **numbers,
    }
    with transaction.atomic():
        if space is None:
            space = Space.objects.create(organization_id=organization_id, **fields)
            action = "ideas.space_created"
        else:
            for key, value in fields.items():
                setattr(space, key, value)
            space.save()
            action = "ideas.space_changed"
        audit_record(
            actor=viewer.user, action=action, target=space, after={"slug": slug, "visibility": visibility}
        )
    return space
