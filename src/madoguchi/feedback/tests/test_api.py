import pytest

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff
from madoguchi.feedback.models import Review
from madoguchi.feedback.services import review_point_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def point():
    return review_point_create(actor=None, organization=make_organization(), kind="counter", name="窓口")


def test_api_review_with_idempotency_key_stores_one(client, point):
    url = f"/api/v1/feedback/points/{point.code}/reviews"
    body = {"satisfaction": 5, "nps": 10, "comment": "a@example.jp"}
    first = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    again = client.post(url, body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Review.objects.get().comment == "［メールアドレス］"


def test_api_bad_values_answer_422_per_field(client, point):
    response = client.post(
        f"/api/v1/feedback/points/{point.code}/reviews", {"satisfaction": 9}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "satisfaction" in response.json()["error"]["fields"]


def test_api_point_detail_and_unknown_point(client, point):
    assert client.get(f"/api/v1/feedback/points/{point.code}").json()["name"] == "窓口"
    assert client.get("/api/v1/feedback/points/NOPE99").status_code == 404


def test_api_staff_figures_need_a_staff_session(client, point):
    assert client.get("/api/v1/staff/feedback/points").status_code == 401
    client.force_login(make_staff(point.organization, Role.ADMIN))
    rows = client.get("/api/v1/staff/feedback/points").json()
    assert [r["code"] for r in rows] == [point.code]
