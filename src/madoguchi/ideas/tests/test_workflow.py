"""Each proposal box sets its own statuses and moves (ideas/workflow.py) on the space's page,
without code; proposals follow them: the start status when published, the first 検討 status when
a department is assigned, moderators and official answers only along the moves."""

import pytest
from django.urls import reverse
from django.utils import translation

from madoguchi.accounts.constants import Role
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_staff
from madoguchi.ideas import services, workflow

pytestmark = pytest.mark.django_db

CUSTOM = """received | 受付 | Received | 受付 | review
review | 審査中 | Under review | 検討 | adopted rejected
adopted | 採用 | Adopted | 実現
rejected | 不採用 | Not adopted | 終了
"""


def _edit(client, world, admin, statuses: str):
    return client.post(
        reverse("ideas:space_edit", args=[world.org.slug, world.box.slug]),
        {
            "name": world.box.name,
            "slug": world.box.slug,
            "kind": "proposals",
            "visibility": "staff",
            "moderator_department": str(world.digital.pk),
            "edit_minutes": "15",
            "hide_after_reports": "3",
            "answer_days": "30",
            "statuses": statuses,
        },
    )


def test_an_admin_sets_a_boxs_statuses_and_proposals_follow_them(client, world):
    admin = make_staff(world.org, Role.ADMIN)
    client.force_login(admin)
    editor = client.get(reverse("ideas:space_edit", args=[world.org.slug, world.box.slug])).content.decode()
    assert "considering | 検討中 | Under consideration | 検討 | realized done declined" in editor
    assert _edit(client, world, admin, CUSTOM).status_code == 302
    world.box.refresh_from_db()
    assert workflow.keys(world.box) == ["received", "review", "adopted", "rejected"]

    proposal = services.proposal_save(
        viewer=world.v(world.author),
        space=world.box,
        title="会議の資料を事前に共有",
        body="本文",
        publish=True,
    )
    assert proposal.status == "received" and proposal.status_label == "受付"
    with pytest.raises(FieldErrors):  # 受付 may move only to 審査中
        services.proposal_status_set(viewer=world.v(world.moderator), proposal=proposal, status="adopted")
    services.proposal_assign(viewer=world.v(world.moderator), proposal=proposal, department=world.jinzai)
    proposal.refresh_from_db()
    assert proposal.status == "review"

    url = reverse("ideas:proposal", args=[world.org.slug, world.box.slug, proposal.pk])
    client.force_login(world.answerer)
    page = client.get(url).content.decode()
    assert 'value="adopted"' in page and 'value="rejected"' in page and 'value="realized"' not in page
    refused = client.post(
        url, {"action": "prepare", "prepare-answer_status": "realized", "prepare-answer_body": "x"}
    )
    assert refused.status_code == 422
    client.post(
        url, {"action": "prepare", "prepare-answer_status": "adopted", "prepare-answer_body": "採用します"}
    )
    client.post(url, {"action": "publish_answer"})
    proposal.refresh_from_db()
    assert proposal.status == "adopted" and proposal.answer_published_at is not None
    realized = client.get(reverse("ideas:realized", args=[world.org.slug, world.box.slug])).content.decode()
    assert "会議の資料を事前に共有" in realized and "採用" in realized
    with translation.override("en"):
        assert proposal.status_label == "Adopted"


def test_a_moderator_moves_a_proposal_only_along_the_moves_from_its_page(client, world):
    proposal = services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="件名", body="本文", publish=True
    )
    url = reverse("ideas:proposal", args=[world.org.slug, world.box.slug, proposal.pk])
    client.force_login(world.moderator)
    page = client.get(url).content.decode()
    assert 'name="status-status"' in page and 'value="considering"' in page
    assert client.post(url, {"action": "status", "status-status": "realized"}).status_code == 422
    assert client.post(url, {"action": "status", "status-status": "considering"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "considering"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a | 受付 | | 受付\nb | 受付2 | | 受付", "ちょうど1つ"),
        ("a | 受付 | | 受付 | zzz", "進める先「zzz」がありません"),
        ("a | 受付 | | 受付\na | 検討 | | 検討", "2回あります"),
        ("Draft | 受付 | | 受付", "キーは半角英小文字"),
        ("a | 受付 | | 始まり", "種類は"),
    ],
)
def test_a_wrong_workflow_is_refused_next_to_the_field(client, world, text, message):
    admin = make_staff(world.org, Role.ADMIN)
    client.force_login(admin)
    refused = _edit(client, world, admin, text)
    assert refused.status_code == 422 and message in refused.content.decode()
    world.box.refresh_from_db()
    assert workflow.keys(world.box) == [s["key"] for s in workflow.DEFAULT_STATUSES]


def test_a_status_in_use_cannot_be_removed(client, world):
    proposal = services.proposal_save(
        viewer=world.v(world.author), space=world.box, title="件名", body="本文", publish=True
    )
    admin = make_staff(world.org, Role.ADMIN)
    client.force_login(admin)
    refused = _edit(client, world, admin, CUSTOM.replace("received", "new"))
    assert refused.status_code == 422 and "消せません: received" in refused.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "received"
