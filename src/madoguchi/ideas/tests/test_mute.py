"""「お知らせを止める」: each notification about a proposal carries its recipient's own link; the
page stops (and restarts) the notifications about that proposal, without signing in."""

import re

import pytest

from madoguchi.ideas import services
from madoguchi.ideas.constants import ProposalStatus
from madoguchi.ideas.models import Follow
from madoguchi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _answer(world, proposal, body):
    services.proposal_answer_prepare(
        viewer=world.v(world.answerer), proposal=proposal, body=body, status=ProposalStatus.CONSIDERING
    )
    proposal.refresh_from_db()
    proposal.answer_published_at = None
    proposal.save(update_fields=["answer_published_at"])
    services.proposal_answers_publish(viewer=world.v(world.answerer), proposals=[proposal])


def _mute_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/ideas/mute/[^\s/]+/)", body)
    assert match, body
    return match.group(1)


def test_the_author_stops_the_notifications_of_a_proposal_from_the_link_in_the_message(client, world):
    proposal = services.proposal_save(
        viewer=world.v(world.author),
        space=world.box,
        title="会議資料を電子化",
        body="印刷をやめる",
        publish=True,
    )
    services.follow_set(viewer=world.v(world.peer), proposal=proposal, on=True)
    services.proposal_assign(viewer=world.v(world.moderator), proposal=proposal, department=world.jinzai)
    _answer(world, proposal, "検討します。")
    messages = Notification.objects.filter(event="ideas.answered", channel="mailbox")
    assert {m.recipient_id for m in messages} == {world.author.pk, world.peer.pk}
    own = messages.get(recipient=world.author)
    path = _mute_path(own.body)
    assert path != _mute_path(messages.get(recipient=world.peer).body)  # one link per person

    page = client.get(path)  # no sign-in needed
    assert page.status_code == 200 and "会議資料を電子化" in page.content.decode()
    assert "お知らせを止める" in page.content.decode()
    stopped = client.post(path, {"action": "off"})
    assert stopped.status_code == 200 and "お知らせを止めました" in stopped.content.decode()
    assert not Follow.objects.filter(proposal=proposal, user=world.author).exists()

    Notification.objects.all().delete()
    _answer(world, proposal, "来年度から実施します。")
    told = {n.recipient_id for n in Notification.objects.filter(event="ideas.answered")}
    assert told == {world.peer.pk}  # the author muted it; the follower still hears

    again = client.post(path, {"action": "on"})
    assert "再開しました" in again.content.decode()
    assert Follow.objects.filter(proposal=proposal, user=world.author).exists()


def test_a_made_up_or_altered_link_answers_404(client, world):
    assert client.get("/ideas/mute/not-a-token/").status_code == 404


def test_followers_but_the_writer_are_told_of_a_comment_with_their_own_stop_link(world):
    proposal = services.proposal_save(
        viewer=world.v(world.author),
        space=world.box,
        title="会議資料を電子化",
        body="印刷をやめる",
        publish=True,
    )
    services.follow_set(viewer=world.v(world.peer), proposal=proposal, on=True)
    services.comment_add(viewer=world.v(world.peer), proposal=proposal, body="賛成です。090-1234-5678")
    messages = Notification.objects.filter(event="ideas.commented", channel="mailbox")
    assert {m.recipient_id for m in messages} == {world.author.pk}  # not the writer
    body = messages.get().body
    assert "会議資料を電子化" in body and "賛成です" not in body and "090" not in body
    assert _mute_path(body)

    Notification.objects.all().delete()
    services.comment_add(viewer=world.v(world.author), proposal=proposal, body="ありがとうございます")
    assert {n.recipient_id for n in Notification.objects.filter(event="ideas.commented")} == {world.peer.pk}
    services.follow_set(viewer=world.v(world.peer), proposal=proposal, on=False)
    Notification.objects.all().delete()
    services.comment_add(viewer=world.v(world.author), proposal=proposal, body="もう一件")
    assert not Notification.objects.filter(event="ideas.commented").exists()
