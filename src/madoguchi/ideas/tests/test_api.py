import pytest

from madoguchi.core.testing import make_organization, make_staff

pytestmark = pytest.mark.django_db


def test_api_create_like_and_list_proposals(client, world):
    client.force_login(world.author)
    base = f"/api/v1/ideas/{world.org.slug}/teian/proposals"
    created = client.post(
        base, {"title": "API提案", "body": "本文", "publish": True}, content_type="application/json"
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    client.force_login(world.peer)
    assert client.post(f"{base}/{pk}/like").json() == {"likes": 1}
    assert client.post(f"{base}/{pk}/like").json() == {"likes": 1}
    assert [p["title"] for p in client.get(base).json()] == ["API提案"]


def test_api_errors_per_field_and_404_for_other_organizations(client, world):
    client.force_login(world.author)
    base = f"/api/v1/ideas/{world.org.slug}/teian/proposals"
    response = client.post(base, {"title": "", "body": ""}, content_type="application/json")
    assert response.status_code == 422 and set(response.json()["error"]["fields"]) == {"title", "body"}
    client.force_login(make_staff(make_organization()))
    assert client.get(base).status_code == 404


def test_api_questions_and_official_answer(client, world):
    client.force_login(world.author)
    base = f"/api/v1/ideas/{world.org.slug}/qa/questions"
    created = client.post(
        base, {"title": "質問です", "department_id": world.jinzai.pk}, content_type="application/json"
    ).json()
    client.force_login(world.answerer)
    answer = client.post(
        f"{base}/{created['id']}/answers", {"body": "公式です"}, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["official"] is True
    assert client.get(base + "?unanswered=true").json() == []
