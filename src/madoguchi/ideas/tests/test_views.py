import pytest
from django.urls import reverse

from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.ideas import services
from madoguchi.ideas.models import Proposal

pytestmark = pytest.mark.django_db


def _proposal(world):
    return services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="会議資料を電子化", body="本文", publish=True
    )


def test_staff_propose_like_and_comment_through_the_pages(client, world):
    client.force_login(world.author)
    new = reverse("ideas:new", args=[world.org.slug, "teian"])
    assert client.get(new).status_code == 200
    refused = client.post(new, {"title": "", "body": "書いた本文", "action": "publish"})
    assert refused.status_code == 422 and "書いた本文" in refused.content.decode()
    response = client.post(new, {"title": "会議資料を電子化", "body": "印刷をやめる", "action": "publish"})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and proposal.status == "received"
    url = reverse("ideas:proposal", args=[world.org.slug, "teian", proposal.pk])
    client.force_login(world.peer)
    client.post(url, {"action": "like"})
    client.post(url, {"action": "like"})
    assert client.post(url, {"action": "comment", "body": ""}).status_code == 422
    client.post(url, {"action": "comment", "body": "賛成です"})
    proposal.refresh_from_db()
    assert proposal.likes_count == 1 and proposal.comments_count == 1
    page = client.get(url).content.decode()
    assert "賛成です" in page and "いいね済み（1）" in page


def test_the_department_answers_and_the_author_sees_it(client, world):
    proposal = _proposal(world)
    services.proposal_assign(viewer=world.v(world.moderator), proposal=proposal, department=world.jinzai)
    url = reverse("ideas:proposal", args=[world.org.slug, "teian", proposal.pk])
    client.force_login(world.answerer)
    assert client.post(url, {"action": "prepare", "prepare-answer_body": ""}).status_code == 422
    client.post(
        url, {"action": "prepare", "prepare-answer_body": "実施します", "prepare-answer_status": "realized"}
    )
    client.post(url, {"action": "publish_answer"})
    client.force_login(world.author)
    page = client.get(url).content.decode()
    assert "実施します" in page
    realized = client.get(reverse("ideas:realized", args=[world.org.slug, "teian"])).content.decode()
    assert "会議資料を電子化" in realized


def test_bulk_publish_from_the_work_page(client, world):
    proposals = [_proposal(world) for _ in range(2)]
    for proposal in proposals:
        services.proposal_assign(viewer=world.v(world.moderator), proposal=proposal, department=world.jinzai)
        services.proposal_answer_prepare(
            viewer=world.v(world.answerer), proposal=proposal, body="回答", status="done"
        )
    client.force_login(world.answerer)
    assert client.get(reverse("ideas:work")).status_code == 200
    client.post(reverse("ideas:work"), {"action": "publish_many", "proposal": [str(p.pk) for p in proposals]})
    assert Proposal.objects.filter(answer_published_at__isnull=False).count() == 2


def test_a_staff_only_space_is_invisible_to_the_public_and_other_organizations(client, world):
    proposal = _proposal(world)
    url = reverse("ideas:proposal", args=[world.org.slug, "teian", proposal.pk])
    assert client.get(url).status_code == 302  # anonymous: the staff sign-in, no hint
    client.force_login(make_user())  # an applicant
    assert client.get(url).status_code == 404
    assert f"/ideas/{world.org.slug}/teian/" not in client.get(reverse("ideas:index")).content.decode()
    client.force_login(make_staff(make_organization()))
    assert client.get(url).status_code == 404
    assert client.get(reverse("ideas:index") + "?q=会議").content.decode().count("会議資料を電子化") == 0


def test_a_public_space_is_read_without_sign_in(client, world, public_space):
    proposal = services.proposal_save(
        viewer=world.v(world.author), space=public_space, title="公開の提案", body="本文", publish=True
    )
    response = client.get(reverse("ideas:proposal", args=[world.org.slug, "public", proposal.pk]))
    assert response.status_code == 200 and "公開の提案" in response.content.decode()


def test_others_drafts_are_404(client, world):
    draft = services.proposal_save(viewer=world.v(world.author), space=world.box, title="下書き", body="本文")
    client.force_login(world.peer)
    assert client.get(reverse("ideas:proposal", args=[world.org.slug, "teian", draft.pk])).status_code == 404


def test_question_pages_with_similar_suggestions(client, world):
    services.question_create(
        viewer=world.v(world.author), space=world.qa, title="在宅勤務の申請はいつまでですか？"
    )
    client.force_login(world.peer)
    new = reverse("ideas:new", args=[world.org.slug, "qa"])
    page = client.post(new, {"title": "在宅勤務の申請期限", "action": "similar"})
    assert page.status_code == 200 and "在宅勤務の申請はいつまでですか？" in page.content.decode()
    response = client.post(new, {"title": "新しい質問", "tags": "在宅勤務", "action": "post"})
    assert response.status_code == 302


def test_a_muted_follower_stops_following_from_the_proposal_page(client, world):
    from madoguchi.ideas.models import Follow

    proposal = _proposal(world)
    services.follow_set(viewer=world.v(world.peer), proposal=proposal, on=True)
    services.mute_set(viewer=world.v(world.moderator), space=world.box, user=world.peer, reason="迷惑投稿")
    url = reverse("ideas:proposal", args=[world.org.slug, "teian", proposal.pk])
    client.force_login(world.peer)
    page = client.get(url).content.decode()
    assert 'value="unfollow"' in page and 'value="like"' not in page
    response = client.post(url, {"action": "unfollow"})
    assert response.status_code == 302
    assert not Follow.objects.filter(proposal=proposal, user=world.peer).exists()
    assert 'value="unfollow"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "follow"}).status_code == 302  # refused: a muted person cannot follow
    assert not Follow.objects.filter(proposal=proposal, user=world.peer).exists()


def test_the_question_page_suggests_similar_questions_while_typing_through_the_api(client, world):
    services.question_create(
        viewer=world.v(world.author), space=world.qa, title="在宅勤務の申請はいつまでですか？"
    )
    client.force_login(world.peer)
    page = client.get(reverse("ideas:new", args=[world.org.slug, "qa"])).content.decode()
    assert 'id="similar-live"' in page and "ideas/similar.js" in page
    url = reverse("api:ideas_questions_similar", args=[world.org.slug, "qa"])
    found = client.get(url, {"title": "在宅勤務の申請期限"}).json()
    assert [q["title"] for q in found] == ["在宅勤務の申請はいつまでですか？"]
    client.logout()
    assert client.get(url, {"title": "在宅勤務の申請期限"}).status_code == 404  # a staff-only space
