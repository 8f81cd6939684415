"""ご意見・アンケート (applicant menu): a poster's code opens its survey; published
「ご意見への対応」 are listed for everyone."""

import pytest
from django.urls import reverse

from madoguchi.core.testing import make_organization
from madoguchi.feedback.services import response_note_publish, review_point_create, review_point_set_active

pytestmark = pytest.mark.django_db


@pytest.fixture
def point():
    return review_point_create(
        actor=None, organization=make_organization(), kind="counter", name="市民課 窓口"
    )


def test_the_page_lists_the_published_responses_of_open_points(client, point):
    response_note_publish(actor=None, point=point, body="待ち時間を表示するモニターを置きました。")
    closed = review_point_create(actor=None, organization=point.organization, kind="counter", name="旧窓口")
    response_note_publish(actor=None, point=closed, body="閉じた窓口のお知らせ")
    review_point_set_active(actor=None, point=closed, active=False)
    page = client.get(reverse("feedback:public_index"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "待ち時間を表示するモニターを置きました。" in text and "市民課 窓口" in text
    assert "閉じた窓口のお知らせ" not in text


def test_a_posters_code_opens_its_survey_typed_in_lower_case_too(client, point):
    answer = client.get(reverse("feedback:public_index"), {"code": point.code.lower()})
    assert answer.status_code == 302 and answer["Location"] == reverse("feedback:review", args=[point.code])


def test_an_unknown_or_empty_code_is_explained_next_to_the_field(client, point):
    page = client.get(reverse("feedback:public_index"), {"code": "ZZZZZZ"})
    text = page.content.decode()
    assert page.status_code == 200 and "このコードのアンケートは見つかりません" in text
    assert 'value="ZZZZZZ"' in text and 'aria-invalid="true"' in text
    empty = client.get(reverse("feedback:public_index"), {"code": ""}).content.decode()
    assert "英数字6文字" in empty and 'id="code-error"' in empty


def test_the_applicant_menu_leads_to_the_feedback_and_ideas_pages(client):
    page = client.get(reverse("procedures:catalog")).content.decode()
    assert reverse("feedback:public_index") in page and reverse("ideas:index") in page
