"""Notification events of the proposal box and Q&A (registered once, in IdeasConfig.ready()),
and who receives them. Rows are written by notification_enqueue inside the service's
transaction (persist first) and sent after commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import User
from madoguchi.ideas.models import Proposal, Question, Space
from madoguchi.ideas.tokens import mute_token
from madoguchi.notifications.events import EVENTS, EventType, register_event
from madoguchi.notifications.services import notification_enqueue

_SAMPLE = {"title": "会議資料のペーパーレス化", "space": "デジタル提案箱+", "url": "https://…/ideas/…"}


def register_events() -> None:
    if "ideas.assigned" in EVENTS:
        return
    register_event(
        EventType(
            id="ideas.assigned",
            label=_("提案・質問の担当になりました"),
            placeholders=("title", "space", "url", "due_date"),
            subject={"ja": "【担当】{{ title }}", "en": "Assigned to your department: {{ title }}"},
            body={
                "ja": "{{ recipient_name }} 様\n\n{{ space }} の「{{ title }}」に、あなたの部署からの"
                "公式回答をお願いします。\n期限: {{ due_date }}\n\n{{ url }}\n\n{{ organization_name }}",
                "en": "Dear {{ recipient_name }},\n\nYour department is asked for the official answer to "
                "“{{ title }}” in {{ space }}.\nDue: {{ due_date }}\n\n{{ url }}\n\n{{ organization_name }}",
            },
            sample={**_SAMPLE, "due_date": "2026年12月31日"},
        )
    )
    register_event(
        EventType(
            id="ideas.to_assign",
            label=_("新しい提案が届きました（担当部署の依頼待ち）"),
            placeholders=("title", "space", "url"),
            subject={"ja": "【新しい提案】{{ title }}", "en": "New proposal: {{ title }}"},
            body={
                "ja": "{{ recipient_name }} 様\n\n{{ space }} に新しい提案「{{ title }}」が投稿されました。"
                "内容を確認し、公式回答をする部署に依頼してください。\n\n{{ url }}\n\n{{ organization_name }}",
                "en": "Dear {{ recipient_name }},\n\nA new proposal “{{ title }}” was posted in {{ space }}. "
                "Please read it and ask a department for the official answer.\n\n{{ url }}\n\n"
                "{{ organization_name }}",
            },
            sample=_SAMPLE,
        )
    )
    register_event(
        EventType(
            id="ideas.answer_due",
            label=_("公式回答の期限が近づいています"),
            placeholders=("title", "space", "url", "due_date"),
            subject={"ja": "【期限が近づいています】{{ title }}", "en": "Answer due soon: {{ title }}"},
            body={
                "ja": "{{ recipient_name }} 様\n\n{{ space }} の「{{ title }}」への公式回答の期限は "
                "{{ due_date }} です。\n\n{{ url }}\n\n{{ organization_name }}",
                "en": "Dear {{ recipient_name }},\n\nThe official answer to “{{ title }}” in {{ space }} is "
                "due on {{ due_date }}.\n\n{{ url }}\n\n{{ organization_name }}",
            },
            sample={**_SAMPLE, "due_date": "2026年12月31日"},
        )
    )
    register_event(
        EventType(
            id="ideas.answered",
            label=_("公式回答が公開されました"),
            placeholders=("title", "space", "url", "status", "mute_url"),
            subject={"ja": "【公式回答】{{ title }}", "en": "Official answer: {{ title }}"},
            body={
                "ja": "{{ recipient_name }} 様\n\n{{ space }} の「{{ title }}」に公式回答が公開されました"
                "（{{ status }}）。\n\n{{ url }}\n\nこの提案のお知らせを止める:\n{{ mute_url }}\n\n"
                "{{ organization_name }}",
                "en": "Dear {{ recipient_name }},\n\nAn official answer to “{{ title }}” in {{ space }} was "
                "published ({{ status }}).\n\n{{ url }}\n\nStop notifications about this proposal:\n"
                "{{ mute_url }}\n\n{{ organization_name }}",
            },
            sample={**_SAMPLE, "status": "実現", "mute_url": "https://…/ideas/mute/…/"},
        )
    )
    register_event(
        EventType(
            id="ideas.commented",
            label=_("フォロー中の提案にコメントがありました"),
            placeholders=("title", "space", "url", "mute_url"),
            subject={"ja": "【コメント】{{ title }}", "en": "New comment: {{ title }}"},
            body={
                "ja": "{{ recipient_name }} 様\n\nフォローしている {{ space }} の「{{ title }}」に"
                "新しいコメントがありました。\n\n{{ url }}\n\nこの提案のお知らせを止める:\n{{ mute_url }}\n\n"
                "{{ organization_name }}",
                "en": "Dear {{ recipient_name }},\n\nThere is a new comment on “{{ title }}” in {{ space }}, "
                "which you follow.\n\n{{ url }}\n\nStop notifications about this proposal:\n"
                "{{ mute_url }}\n\n{{ organization_name }}",
            },
            sample={**_SAMPLE, "mute_url": "https://…/ideas/mute/…/"},
        )
    )
    register_event(
        EventType(
            id="ideas.to_moderate",
            label=_("モデレーターの確認を待つ投稿があります"),
            placeholders=("title", "space", "url", "reason"),
            subject={"ja": "【確認のお願い】{{ title }}", "en": "Waiting for a moderator: {{ title }}"},
            body={
                "ja": "{{ recipient_name }} 様\n\n{{ space }} に確認をお願いしたい投稿があります（{{ reason }}）。\n"
                "「{{ title }}」\n\n{{ url }}\n\n{{ organization_name }}",
                "en": "Dear {{ recipient_name }},\n\nA post in {{ space }} waits for a moderator ({{ reason }}).\n"
                "“{{ title }}”\n\n{{ url }}\n\n{{ organization_name }}",
            },
            sample={**_SAMPLE, "reason": "新しい提案"},
        )
    )
    register_event(
        EventType(
            id="ideas.moderated",
            label=_("投稿が非表示になりました"),
            placeholders=("title", "space", "url", "reason"),
            subject={"ja": "【お知らせ】投稿を非表示にしました", "en": "Your post was hidden"},
            body={
                "ja": "{{ recipient_name }} 様\n\n{{ space }} のあなたの投稿「{{ title }}」を非表示にしました。\n"
                "理由: {{ reason }}\n\n{{ url }}\n\n{{ organization_name }}",
                "en": "Dear {{ recipient_name }},\n\nYour post “{{ title }}” in {{ space }} was hidden.\n"
                "Reason: {{ reason }}\n\n{{ url }}\n\n{{ organization_name }}",
            },
            sample={**_SAMPLE, "reason": "個人情報が書かれていたため"},
        )
    )


def proposal_url(proposal: Proposal) -> str:
    space = proposal.space
    return settings.SITE_URL + reverse(
        "ideas:proposal", args=[space.organization.slug, space.slug, proposal.pk]
    )


def question_url(question: Question) -> str:
    space = question.space
    return settings.SITE_URL + reverse(
        "ideas:question", args=[space.organization.slug, space.slug, question.pk]
    )


def department_members(*, organization_id: int, department_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organization_id=organization_id,
            memberships__department_id=department_id,
        ).distinct()
    )


def _tell(
    recipients: Iterable[User],
    *,
    space: Space,
    event: str,
    title: str,
    url: str,
    key: str,
    actor: User | None = None,
    department_id: int | None = None,
    extra: dict[str, str] | None = None,
    own: Callable[[User], dict[str, str]] | None = None,
) -> int:
    """Enqueue ``event`` once per recipient, never to ``actor`` (who caused it), with what every
    message of the space names (title, space, url) and ``extra``; ``own`` adds a recipient's own
    values (their stop link). Returns how many were told."""
    context = {"title": title, "space": space.name, "url": url, **(extra or {})}
    sent = 0
    for user in {u.pk: u for u in recipients}.values():
        if actor is not None and user.pk == actor.pk:
            continue
        notification_enqueue(
            recipient=user,
            event=event,
            organization=space.organization,
            context={**context, **own(user)} if own else context,
            dedupe_key=key,
            department_id=department_id,
        )
        sent += 1
    return sent


def tell_department(*, post: Proposal | Question, event: str, key: str, actor: User | None = None) -> int:
    """The department's members (not the person who caused it)."""
    space = post.space
    if post.department_id is None:
        return 0
    due = getattr(post, "answer_due", None)
    return _tell(
        department_members(organization_id=space.organization_id, department_id=post.department_id),
        space=space,
        event=event,
        title=post.title,
        url=proposal_url(post) if isinstance(post, Proposal) else question_url(post),
        key=key,
        actor=actor,
        department_id=post.department_id,
        extra={"due_date": due.isoformat() if due else "—"},
    )


def tell_moderators(*, proposal: Proposal, actor: User | None = None) -> int:
    """A proposal was posted: the space's moderators (its moderator department) are asked to
    pass it to a department (S9). Not the author."""
    space = proposal.space
    if space.moderator_department_id is None:
        return 0
    return _tell(
        department_members(
            organization_id=space.organization_id, department_id=space.moderator_department_id
        ),
        space=space,
        event="ideas.to_assign",
        title=proposal.title,
        url=proposal_url(proposal),
        key=f"ideas:to_assign:{proposal.pk}",
        actor=actor,
        department_id=space.moderator_department_id,
    )


def moderators(space) -> list[User]:
    """Members of the space's moderator department; without one, the organization's admins."""
    from madoguchi.accounts.constants import Role

    if space.moderator_department_id is not None:
        return department_members(
            organization_id=space.organization_id, department_id=space.moderator_department_id
        )
    return list(
        User.objects.filter(
            is_active=True, memberships__organization_id=space.organization_id, memberships__role=Role.ADMIN
        ).distinct()
    )


def tell_moderators_of_report(
    *, space, title: str, url: str, reason: str | Promise, key: str, actor: User | None = None
) -> int:
    """Work reaching the moderators: a post reported, or hidden by reports (a new proposal:
    ``tell_moderators``)."""
    return _tell(
        moderators(space),
        space=space,
        event="ideas.to_moderate",
        title=title,
        url=url,
        key=key,
        actor=actor,
        extra={"reason": reason},
    )


def mute_url(*, user: User, proposal: Proposal) -> str:
    """The recipient's own link to stop the notifications about ``proposal`` (ideas:mute)."""
    return settings.SITE_URL + reverse(
        "ideas:mute", args=[mute_token(user_id=user.pk, proposal_id=proposal.pk)]
    )


def _tell_followers(
    *,
    proposal: Proposal,
    event: str,
    key: str,
    actor: User | None = None,
    extra: dict[str, str] | None = None,
) -> int:
    """Each active follower but ``actor``, with their own link to stop following (``mute_url``)."""
    return _tell(
        [f.user for f in proposal.follows.select_related("user") if f.user.is_active],
        space=proposal.space,
        event=event,
        title=proposal.title,
        url=proposal_url(proposal),
        key=key,
        actor=actor,
        extra=extra,
        own=lambda user: {"mute_url": mute_url(user=user, proposal=proposal)},
    )


def tell_author_and_followers(*, proposal: Proposal, status_label: str) -> int:
    """The followers — the author follows a proposal from its publication and, like anyone, stops
    following with the link in the message (``mute_url``, one per recipient)."""
    published = proposal.answer_published_at.isoformat() if proposal.answer_published_at else ""
    return _tell_followers(
        proposal=proposal,
        event="ideas.answered",
        key=f"ideas.answered:{proposal.pk}:{published}",
        extra={"status": status_label},
    )


def tell_followers_of_comment(*, proposal: Proposal, comment_id: int, actor: User) -> int:
    """A comment was added: the followers but its writer. Neither the text nor the writer is in
    the message (the space may be anonymous, the comment may be hidden later): the link shows it."""
    return _tell_followers(
        proposal=proposal, event="ideas.commented", key=f"ideas.commented:{comment_id}", actor=actor
    )


def tell_author_hidden(*, author: User, space, title: str, url: str, reason: str, key: str) -> int:
    return _tell(
        [author],
        space=space,
        event="ideas.moderated",
        title=title,
        url=url,
        key=key,
        extra={"reason": reason},
    )
