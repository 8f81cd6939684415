import pytest

from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.core.testing import make_staff
from madoguchi.ideas import services
from madoguchi.ideas.constants import TargetKind
from madoguchi.ideas.models import Proposal
from madoguchi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _proposal(world):
    return services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="件名", body="本文", publish=True
    )


def test_the_third_report_hides_the_post_and_a_repeat_report_does_not_count(world):
    proposal = _proposal(world)
    reporters = [world.peer, world.moderator, world.answerer]
    results = []
    for user in reporters[:2]:
        results.append(
            services.report_add(
                viewer=world.v(user), kind=TargetKind.PROPOSAL, target=proposal, reason="spam"
            )
        )
    results.append(
        services.report_add(
            viewer=world.v(world.peer), kind=TargetKind.PROPOSAL, target=proposal, reason="spam"
        )
    )
    proposal.refresh_from_db()
    assert not proposal.hidden and proposal.report_count == 2
    results.append(
        services.report_add(
            viewer=world.v(world.answerer), kind=TargetKind.PROPOSAL, target=proposal, reason="abuse"
        )
    )
    proposal.refresh_from_db()
    assert proposal.hidden and results == [False, False, False, True]
    assert AuditEntry.objects.filter(action="ideas.auto_hidden").count() == 1


def test_moderator_hides_with_a_reason_told_to_the_author(world):
    proposal = _proposal(world)
    with pytest.raises(FieldErrors):
        services.moderation_set_hidden(
            viewer=world.v(world.moderator), kind="proposal", target=proposal, hidden=True, reason=""
        )
    services.moderation_set_hidden(
        viewer=world.v(world.moderator),
        kind="proposal",
        target=proposal,
        hidden=True,
        reason="個人名が書かれていたため",
    )
    proposal.refresh_from_db()
    assert proposal.hidden and proposal.hidden_reason == "個人名が書かれていたため"
    note = Notification.objects.get(event="ideas.moderated", recipient=world.author, channel="mailbox")
    assert "個人名が書かれていたため" in note.body
    assert AuditEntry.objects.filter(action="ideas.hidden").exists()


def test_peers_cannot_moderate(world):
    proposal = _proposal(world)
    with pytest.raises(PermissionDeniedError):
        services.moderation_set_hidden(
            viewer=world.v(world.peer), kind="proposal", target=proposal, hidden=True, reason="x"
        )


def test_a_muted_person_can_read_but_not_post(world):
    services.mute_set(
        viewer=world.v(world.moderator), space=world.box, user=world.peer, reason="繰り返しの迷惑投稿"
    )
    assert world.v(world.peer).can_read(world.box)
    with pytest.raises(PermissionDeniedError):
        services.proposal_save(viewer=world.v(world.peer), space=world.box, title="x", body="y", publish=True)


def test_anonymous_space_shows_anonymous_to_peers_but_not_to_moderators(world):
    from madoguchi.ideas.selectors import author_label

    world.box.anonymous = True
    world.box.save()
    assert author_label(viewer=world.v(world.peer), space=world.box, author=world.author) == "匿名"
    assert author_label(viewer=world.v(world.moderator), space=world.box, author=world.author) == "提案者"


def test_staff_of_another_organization_never_see_the_space(world):
    from django.http import Http404

    from madoguchi.core.testing import make_organization
    from madoguchi.ideas.selectors import access_space, search

    stranger = make_staff(make_organization())
    _proposal(world)
    with pytest.raises(Http404):
        access_space(viewer=world.v(stranger), org_slug=world.org.slug, slug=world.box.slug)
    assert search(viewer=world.v(stranger), query="件名") == []
    assert len(search(viewer=world.v(world.peer), query="件名")) == 1
    assert Proposal.objects.count() == 1


def test_moderators_are_told_when_work_reaches_them(world):
    """A new proposal waits for a department to be chosen (ideas.to_assign); a report waits for a
    look (ideas.to_moderate)."""
    proposal = services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="新しい提案", body="本文", publish=True
    )
    assigned = Notification.objects.filter(event="ideas.to_assign", channel="mailbox")
    assert [n.recipient for n in assigned] == [world.moderator]
    services.report_add(viewer=world.v(world.peer), kind="proposal", target=proposal, reason="spam")
    told = Notification.objects.filter(event="ideas.to_moderate", channel="mailbox")
    assert [n.recipient for n in told] == [world.moderator] and "新しい提案" in told.get().body
    assert told.get().dedupe_key.endswith(":reported")
    assert not told.filter(recipient__in=[world.author, world.peer]).exists()


def test_the_reason_of_a_post_hidden_by_reports_is_shown_in_each_readers_language(client, world):
    from django.urls import reverse
    from django.utils import translation

    proposal = _proposal(world)
    with translation.override("en"):  # the reports come from someone reading in English
        for user in (world.peer, world.moderator, world.answerer):
            services.report_add(
                viewer=world.v(user), kind=TargetKind.PROPOSAL, target=proposal, reason="spam"
            )
    client.force_login(world.moderator)  # moderators still open a hidden post
    url = reverse("ideas:proposal", args=[world.org.slug, world.box.slug, proposal.pk])
    japanese = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "複数の通報があったため、確認のあいだ非表示にしています。" in japanese
    client.cookies["django_language"] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "複数の通報があったため" not in english and "hidden" in english


def test_moderators_are_told_of_a_report_in_their_own_language(world):
    from django.utils import translation

    world.moderator.preferred_language = "en"
    world.moderator.save(update_fields=["preferred_language"])
    proposal = _proposal(world)
    with translation.override("ja"):  # the reporter reads in Japanese
        services.report_add(
            viewer=world.v(world.peer), kind=TargetKind.PROPOSAL, target=proposal, reason="spam"
        )
    told = Notification.objects.filter(
        event="ideas.to_moderate", recipient=world.moderator, channel="mailbox"
    )
    body = told.get().body
    assert "waits for a moderator (reported)" in body and "通報がありました" not in body
