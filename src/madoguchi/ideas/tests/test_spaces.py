import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_staff
from madoguchi.ideas.models import Space

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_public_anonymous_space_without_code(client, world):
    admin = make_staff(world.org, Role.ADMIN)
    client.force_login(admin)
    url = reverse("ideas:space_new", args=[world.org.slug])
    assert client.get(url).status_code == 200
    refused = client.post(
        url,
        {
            "name": "区民の提案",
            "slug": "あ",
            "kind": "proposals",
            "visibility": "public",
            "edit_minutes": "１５",
            "hide_after_reports": "3",
            "answer_days": "30",
        },
    )
    assert refused.status_code == 422 and "区民の提案" in refused.content.decode()
    response = client.post(
        url,
        {
            "name": "区民の提案",
            "slug": "kumin",
            "kind": "proposals",
            "visibility": "public",
            "anonymous": "on",
            "categories": "子育て\n環境",
            "edit_minutes": "１５",  # full-width digits
            "hide_after_reports": "3",
            "answer_days": "30",
        },
    )
    assert response.status_code == 302
    space = Space.objects.get(slug="kumin")
    assert space.anonymous and space.visibility == "public" and space.categories == ["子育て", "環境"]
    assert space.edit_minutes == 15
    client.logout()
    assert client.get(reverse("ideas:space", args=[world.org.slug, "kumin"])).status_code == 200


def test_others_cannot_manage_spaces(client, world):
    client.force_login(world.moderator)
    assert client.get(reverse("ideas:space_new", args=[world.org.slug])).status_code == 404
    assert client.get(reverse("ideas:space_edit", args=[world.org.slug, "teian"])).status_code == 404
