"""Moderation: reports (hidden at the space's threshold), hiding and showing, mutes."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.accounts.models import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.ideas import notify, searching
from madoguchi.ideas.constants import AUTO_HIDDEN_REASON, ReportReason
from madoguchi.ideas.models import Answer, Comment, Moderated, Mute, Proposal, Question, Report, Space
from madoguchi.ideas.permissions import Viewer
from madoguchi.ideas.services._common import MODELS, require_moderator, require_post, space_of
from madoguchi.ideas.text import clean_text

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
    user = require_post(viewer, space)
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
                "hidden_reason": AUTO_HIDDEN_REASON,
            }
        model.objects.filter(pk=target.pk).update(**fields)
        audit_record(
            actor=user, action="ideas.reported", target=locked, after={"reason": reason, "count": count}
        )
        if hide_now:
            audit_record(actor="system", action="ideas.auto_hidden", target=locked, after={"reports": count})
            searching.announce(locked)
        if count == 1 or hide_now:  # the first report, and the one that hid it
            title, url = _title_and_url(locked)
            notify.tell_moderators_of_report(
                space=space,
                title=title,
                url=url,
                reason=gettext_lazy("通報で非表示になりました")
                if hide_now
                else gettext_lazy("通報がありました"),
                key=f"ideas.to_moderate:{kind}:{target.pk}:{'hidden' if hide_now else 'reported'}",
            )
    return hide_now


def moderation_set_hidden(*, viewer: Viewer, kind: str, target: Moderated, hidden: bool, reason: str) -> None:
    """Hide or show a post with a reason; the author is told the reason. Open reports are resolved."""
    space = space_of(target)
    user = require_moderator(viewer, space)
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
        searching.announce(target)
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
    actor = require_moderator(viewer, space)
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
