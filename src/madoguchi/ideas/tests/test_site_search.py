"""Proposals and questions are found by the site search (knowledge) through core.search_items,
only by those who may read their space; drafts and hidden posts are not found."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff
from madoguchi.ideas import services
from madoguchi.ideas.constants import TargetKind, Visibility

pytestmark = pytest.mark.django_db


def _found(client, query: str, user=None) -> str:
    client.logout()
    if user is not None:
        client.force_login(user)
    page = client.get(reverse("knowledge:search"), {"q": query})
    assert page.status_code == 200
    return page.content.decode()


def test_a_published_proposal_in_a_public_space_is_found_by_everyone(client, world, public_space):
    proposal = services.proposal_save(
        viewer=world.v(world.author),
        space=public_space,
        title="庁舎の駐輪場を広げる提案",
        body="自転車で通う職員と来庁者が増えています。",
        publish=True,
    )
    page = _found(client, "駐輪場")
    assert "庁舎の駐輪場を広げる提案" in page and "提案" in page
    assert f"/ideas/{world.org.slug}/public/{proposal.pk}/" in page or str(proposal.pk) in page


def test_a_staff_only_space_is_found_only_by_its_organizations_staff(client, world):
    services.proposal_save(
        viewer=world.v(world.author),
        space=world.box,
        title="押印の全面廃止",
        body="申請書の押印欄をなくします。",
        publish=True,
    )
    assert "押印の全面廃止" not in _found(client, "押印")
    stranger = make_staff(make_organization(), Role.ADMIN)
    assert "押印の全面廃止" not in _found(client, "押印", stranger)
    page = _found(client, "押印", world.peer)
    assert "押印の全面廃止" in page and "職員のみ" in page


def test_drafts_and_hidden_posts_are_not_found_and_come_back_when_shown(client, world, public_space):
    services.proposal_save(
        viewer=world.v(world.author), space=public_space, title="下書きの植栽案", body="花壇を増やす。"
    )
    assert "下書きの植栽案" not in _found(client, "植栽")
    published = services.proposal_save(
        viewer=world.v(world.author),
        space=public_space,
        title="屋上の緑化",
        body="屋上に植栽をします。",
        publish=True,
    )
    assert "屋上の緑化" in _found(client, "屋上")
    admin = world.v(make_staff(world.org, Role.ADMIN))  # the organization's admin moderates every space
    services.moderation_set_hidden(
        viewer=admin,
        kind=TargetKind.PROPOSAL,
        target=published,
        hidden=True,
        reason="確認中",
    )
    assert "屋上の緑化" not in _found(client, "屋上")
    services.moderation_set_hidden(
        viewer=admin, kind=TargetKind.PROPOSAL, target=published, hidden=False, reason=""
    )
    assert "屋上の緑化" in _found(client, "屋上")


def test_a_question_is_found_and_opening_its_space_to_the_public_makes_it_public(client, world):
    services.question_create(
        viewer=world.v(world.author), space=world.qa, title="テレワーク端末の申請方法", tags="テレワーク"
    )
    assert "テレワーク端末の申請方法" in _found(client, "テレワーク端末", world.peer)
    assert "テレワーク端末の申請方法" not in _found(client, "テレワーク端末")
    values = {
        "name": world.qa.name,
        "slug": world.qa.slug,
        "kind": world.qa.kind,
        "visibility": Visibility.PUBLIC,
        "moderator_department": world.digital.pk,
        "edit_minutes": 15,
        "hide_after_reports": 3,
        "answer_days": 30,
    }
    admin = make_staff(world.org, Role.ADMIN)
    services.space_save(viewer=world.v(admin), organization_id=world.org.pk, values=values, space=world.qa)
    assert "テレワーク端末の申請方法" in _found(client, "テレワーク端末")


def test_the_rebuild_keeps_ideas_in_the_index(client, world, public_space):
    services.proposal_save(
        viewer=world.v(world.author),
        space=public_space,
        title="食堂の混雑緩和",
        body="昼休みをずらす。",
        publish=True,
    )
    call_command("search_rebuild", verbosity=0)
    assert "食堂の混雑緩和" in _found(client, "食堂")


def test_a_member_signed_in_as_an_applicant_finds_no_staff_only_post_and_its_page_is_404(client, world):
    from madoguchi.accounts.constants import AuthLevel, AuthMethod
    from madoguchi.accounts.testing import mark_session

    proposal = services.proposal_save(
        viewer=world.v(world.author),
        space=world.box,
        title="押印の全面廃止",
        body="申請書の押印欄をなくします。",
        publish=True,
    )
    client.force_login(world.peer)
    mark_session(client, level=AuthLevel.APPLICANT, method=AuthMethod.EMAIL_LINK)  # the e-mail link door
    page = client.get(reverse("knowledge:search"), {"q": "押印"})
    assert page.status_code == 200 and "押印の全面廃止" not in page.content.decode()
    api = client.get("/api/v1/search", {"q": "押印", "type": "proposal"})
    assert api.status_code == 200 and api.json()["results"] == []
    url = reverse("ideas:proposal", args=[world.org.slug, world.box.slug, proposal.pk])
    assert client.get(url).status_code == 404
    # the same person through the staff door finds it
    client.force_login(world.peer)
    assert "押印の全面廃止" in client.get(reverse("knowledge:search"), {"q": "押印"}).content.decode()
