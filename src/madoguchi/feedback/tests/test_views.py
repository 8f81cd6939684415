import re

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_department, make_organization, make_staff
from madoguchi.feedback.models import ResponseNote, Review
from madoguchi.feedback.services import review_point_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def point():
    organization = make_organization()
    return review_point_create(actor=None, organization=organization, kind="counter", name="市民課 窓口")


def _nonce(response) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', response.content.decode()).group(1)


def test_review_from_the_poster_without_sign_in(client, point):
    page = client.get(reverse("feedback:review", args=[point.code]))
    assert page.status_code == 200
    response = client.post(
        reverse("feedback:review", args=[point.code]),
        {
            "nonce": _nonce(page),
            "satisfaction": "5",
            "nps": "9",
            "difficulties": ["waiting"],
            "comment": "よい",
        },
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.difficulties == ["waiting"] and review.channel == "poster"


def test_a_review_without_satisfaction_answers_422_and_keeps_the_comment(client, point):
    page = client.get(reverse("feedback:review", args=[point.code]))
    response = client.post(
        reverse("feedback:review", args=[point.code]), {"nonce": _nonce(page), "comment": "書いた文"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "満足度を選んでください。" in body and "書いた文" in body
    assert not Review.objects.exists()


def test_double_submit_stores_one_review(client, point):
    page = client.get(reverse("feedback:review", args=[point.code]))
    data = {"nonce": _nonce(page), "satisfaction": "4"}
    client.post(reverse("feedback:review", args=[point.code]), data)
    client.post(reverse("feedback:review", args=[point.code]), data)
    assert Review.objects.count() == 1


def test_unknown_code_is_404(client):
    assert client.get("/feedback/ZZZZZZ/").status_code == 404


def test_response_note_is_shown_on_the_review_page(client, point):
    ResponseNote.objects.create(point=point, body="呼び出し画面を設置しました。")
    assert (
        "呼び出し画面を設置しました。"
        in client.get(reverse("feedback:review", args=[point.code])).content.decode()
    )


def test_staff_of_another_organization_gets_404(client, point):
    stranger = make_staff(make_organization(), Role.ADMIN)
    client.force_login(stranger)
    assert client.get(reverse("feedback:staff_point", args=[point.code])).status_code == 404


def test_staff_of_a_department_see_their_points_only(client, point):
    organization = point.organization
    mine, theirs = make_department(organization), make_department(organization)
    own = review_point_create(
        actor=None, organization=organization, kind="counter", name="自課", department=mine
    )
    other = review_point_create(
        actor=None, organization=organization, kind="counter", name="他課", department=theirs
    )
    client.force_login(make_staff(organization, Role.REVIEWER, department=mine))
    assert client.get(reverse("feedback:staff_point", args=[own.code])).status_code == 200
    assert client.get(reverse("feedback:staff_point", args=[other.code])).status_code == 404


def test_staff_pages_poster_and_exports(client, point):
    Review.objects.create(
        point=point, organization_id_copy=point.organization_id, satisfaction=5, comment="=cmd"
    )
    client.force_login(make_staff(point.organization, Role.ADMIN))
    assert client.get(reverse("feedback:staff_index")).status_code == 200
    assert client.get(reverse("feedback:staff_point", args=[point.code])).status_code == 200
    poster = client.get(reverse("feedback:staff_poster", args=[point.code]))
    assert poster.status_code == 200 and b"<svg" in poster.content and point.code.encode() in poster.content
    csv = b"".join(client.get(reverse("feedback:staff_export_csv")).streaming_content)
    assert csv.startswith("\ufeff".encode()) and b"'=cmd" in csv
    xlsx = client.get(reverse("feedback:staff_export_xlsx"))
    assert xlsx.status_code == 200


def test_staff_publish_a_note_and_an_empty_one_answers_422(client, point):
    client.force_login(make_staff(point.organization, Role.OWNER))
    url = reverse("feedback:staff_note", args=[point.code])
    assert client.post(url, {"body": ""}).status_code == 422
    assert client.post(url, {"body": "改善しました"}).status_code == 302
    assert ResponseNote.objects.filter(point=point).count() == 1


def test_settings_change_the_choices_without_code(client, point):
    client.force_login(make_staff(point.organization, Role.ADMIN))
    url = reverse("feedback:staff_settings", args=[point.organization.slug])
    assert client.post(url, {"difficulties": "bad line: \n: x"}).status_code == 422
    assert client.post(url, {"difficulties": "parking: 駐車場が狭い", "ask_nps": ""}).status_code == 302
    page = client.get(reverse("feedback:review", args=[point.code])).content.decode()
    assert "駐車場が狭い" in page and 'name="nps"' not in page


def test_a_counter_member_cannot_change_settings(client, point):
    client.force_login(make_staff(point.organization, Role.COUNTER))
    assert client.get(reverse("feedback:staff_settings", args=[point.organization.slug])).status_code == 404


def test_staff_count_held_reviews_and_stop_a_point(client, point):
    held = Review.objects.create(
        point=point, organization_id_copy=point.organization_id, satisfaction=5, held=True
    )
    client.force_login(make_staff(point.organization, Role.ADMIN))
    url = reverse("feedback:staff_point_action", args=[point.code])
    assert (
        "集計から外している回答"
        in client.get(reverse("feedback:staff_point", args=[point.code])).content.decode()
    )
    client.post(url, {"action": "release", "review": [str(held.pk)]})
    held.refresh_from_db()
    assert not held.held
    client.post(url, {"action": "close"})
    client.logout()
    assert client.get(reverse("feedback:review", args=[point.code])).status_code == 404


def test_a_counter_member_cannot_stop_a_point(client, point):
    client.force_login(make_staff(point.organization, Role.COUNTER))
    response = client.post(reverse("feedback:staff_point_action", args=[point.code]), {"action": "close"})
    assert response.status_code == 404


def test_the_what_was_hard_choices_are_in_english_on_the_english_page(client):
    from madoguchi.feedback.constants import DEFAULT_DIFFICULTIES, difficulty_label

    assert difficulty_label(DEFAULT_DIFFICULTIES[1], english=True) == "Long waiting time"
    # choices stored before English labels existed still read in English
    assert (
        difficulty_label({"key": "waiting", "label": "待ち時間が長い"}, english=True) == "Long waiting time"
    )
    assert difficulty_label({"key": "x", "label": "駐車場が狭い"}, english=True) == "駐車場が狭い"
    assert difficulty_label(
        {"key": "x", "label": "駐車場が狭い", "label_en": "Small car park"}, english=True
    ) == ("Small car park")
    assert difficulty_label(DEFAULT_DIFFICULTIES[1], english=False) == "待ち時間が長い"


@pytest.mark.django_db
def test_an_organization_gives_its_choices_english_words_after_a_bar():
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_organization, make_staff
    from madoguchi.feedback.services import feedback_settings_update

    organization = make_organization()
    settings = feedback_settings_update(
        actor=make_staff(organization, Role.ADMIN),
        organization=organization,
        ask_nps=True,
        difficulties_text="parking: 駐車場が狭い | Small car park\nwaiting: 待ち時間が長い",
        intro="",
    )
    assert settings.difficulties == [
        {"key": "parking", "label": "駐車場が狭い", "label_en": "Small car park"},
        {"key": "waiting", "label": "待ち時間が長い"},
    ]
