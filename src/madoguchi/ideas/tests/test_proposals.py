import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.ideas import services
from madoguchi.ideas.constants import ProposalStatus, TargetKind
from madoguchi.ideas.models import Like, Proposal
from madoguchi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _proposal(world, **extra):
    return services.proposal_save(
        viewer=world.v(world.author),
        space=world.box,
        title="会議資料を電子化",
        body="印刷をやめる",
        publish=True,
        **extra,
    )


def test_a_draft_is_saved_then_published_and_the_author_follows(world):
    draft = services.proposal_save(viewer=world.v(world.author), space=world.box, title="案", body="本文")
    assert draft.status == ProposalStatus.DRAFT and draft.published_at is None
    published = services.proposal_save(
        viewer=world.v(world.author), space=world.box, proposal=draft, title="案", body="本文", publish=True
    )
    assert published.status == ProposalStatus.RECEIVED
    assert published.follows.filter(user=world.author).exists()


def test_missing_title_and_body_come_back_per_field(world):
    with pytest.raises(FieldErrors) as exc:
        services.proposal_save(viewer=world.v(world.author), space=world.box, title=" ", body="")
    assert set(exc.value.errors) == {"title", "body"}


def test_editing_after_the_window_is_refused(world):
    proposal = _proposal(world)
    Proposal.objects.filter(pk=proposal.pk).update(published_at=timezone.now() - dt.timedelta(minutes=16))
    proposal.refresh_from_db()
    with pytest.raises(DomainError):
        services.proposal_save(
            viewer=world.v(world.author), space=world.box, proposal=proposal, title="改", body="改"
        )


def test_likes_count_once_per_person(world):
    proposal = _proposal(world)
    for _ in range(2):
        services.like_set(viewer=world.v(world.peer), kind=TargetKind.PROPOSAL, target=proposal)
    assert services.like_set(viewer=world.v(world.moderator), kind=TargetKind.PROPOSAL, target=proposal) == 2
    assert (
        services.like_set(viewer=world.v(world.peer), kind=TargetKind.PROPOSAL, target=proposal, on=False)
        == 1
    )
    assert Like.objects.count() == 1


def test_assignment_tells_the_department_and_publishing_tells_author_and_followers(world):
    proposal = _proposal(world)
    services.follow_set(viewer=world.v(world.peer), proposal=proposal, on=True)
    services.proposal_assign(viewer=world.v(world.moderator), proposal=proposal, department=world.jinzai)
    assigned = Notification.objects.filter(event="ideas.assigned")
    assert {n.recipient_id for n in assigned} == {world.answerer.pk}
    services.proposal_answer_prepare(
        viewer=world.v(world.answerer),
        proposal=proposal,
        body="来年度から実施します。",
        status=ProposalStatus.REALIZED,
    )
    assert not Notification.objects.filter(event="ideas.answered").exists()  # prepared, not published
    published, refused = services.proposal_answers_publish(
        viewer=world.v(world.answerer), proposals=[proposal]
    )
    assert len(published) == 1 and refused == []
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REALIZED and proposal.answered_by == world.answerer
    told = {n.recipient_id for n in Notification.objects.filter(event="ideas.answered")}
    assert told == {world.author.pk, world.peer.pk}
    assert AuditEntry.objects.filter(action="ideas.answer_published").count() == 1


def test_nobody_publishes_the_answer_to_their_own_proposal(world):
    own = services.proposal_save(
        viewer=world.v(world.answerer), space=world.box, title="自分の提案", body="本文", publish=True
    )
    other = _proposal(world)
    for proposal in (own, other):
        services.proposal_assign(viewer=world.v(world.moderator), proposal=proposal, department=world.jinzai)
        services.proposal_answer_prepare(
            viewer=world.v(world.answerer),
            proposal=proposal,
            body="実施します",
            status=ProposalStatus.REALIZED,
        )
    with pytest.raises(DomainError):
        services.proposal_answers_publish(viewer=world.v(world.answerer), proposals=[own])
    published, refused = services.proposal_answers_publish(
        viewer=world.v(world.answerer), proposals=[own, other]
    )
    assert [p.pk for p in published] == [other.pk] and [p.pk for p in refused] == [own.pk]
    own.refresh_from_db()
    assert own.answer_published_at is None


def test_a_moderator_cannot_set_the_status_of_their_own_proposal(world):
    own = services.proposal_save(
        viewer=world.v(world.moderator), space=world.box, title="案", body="本文", publish=True
    )
    with pytest.raises(DomainError):
        services.proposal_status_set(
            viewer=world.v(world.moderator), proposal=own, status=ProposalStatus.REALIZED
        )


def test_only_the_department_or_moderators_write_official_answers(world):
    proposal = _proposal(world)
    services.proposal_assign(viewer=world.v(world.moderator), proposal=proposal, department=world.jinzai)
    with pytest.raises(PermissionDeniedError):
        services.proposal_answer_prepare(
            viewer=world.v(world.peer), proposal=proposal, body="x", status=ProposalStatus.DONE
        )
    with pytest.raises(PermissionDeniedError):
        services.proposal_assign(viewer=world.v(world.peer), proposal=proposal, department=world.jinzai)


def test_departments_are_reminded_once_before_the_due_date(world):
    proposal = _proposal(world)
    services.proposal_assign(
        viewer=world.v(world.moderator),
        proposal=proposal,
        department=world.jinzai,
        due=timezone.localdate() + dt.timedelta(days=2),
    )
    assert services.ideas_remind_due() == 1
    assert services.ideas_remind_due() == 0
    assert Notification.objects.filter(event="ideas.answer_due", recipient=world.answerer).exists()


def test_comments_thread_one_level(world):
    proposal = _proposal(world)
    first = services.comment_add(viewer=world.v(world.peer), proposal=proposal, body="賛成")
    reply = services.comment_add(
        viewer=world.v(world.author), proposal=proposal, body="ありがとう", parent=first
    )
    deeper = services.comment_add(viewer=world.v(world.peer), proposal=proposal, body="さらに", parent=reply)
    assert deeper.parent == first
    proposal.refresh_from_db()
    assert proposal.comments_count == 3
