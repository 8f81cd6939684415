"""The field types inside the applicant's step pages (views owned by applications)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.applications.services import draft_start
from madoguchi.core.testing import JPEG_BYTES, PDF_BYTES, make_procedure, make_user

pytestmark = pytest.mark.django_db

DEFINITION = {
    "steps": [
        {
            "key": "about",
            "title": "申請者",
            "fields": [
                {"key": "applicant", "type": "name", "label": "氏名", "required": True},
                {"key": "birth", "type": "date", "label": "生年月日", "required": True},
                {"key": "home", "type": "address", "label": "住所", "required": True},
                {"key": "receipt", "type": "file", "label": "領収書", "accept": ["image/jpeg"]},
            ],
        }
    ]
}
FILLED = {
    "applicant.family": "山田",
    "applicant.given": "太郎",
    "applicant.family_kana": "やまだ",
    "applicant.given_kana": "たろう",
    "birth": "S50.3.3",
    "home.postal_code": "〒１６０－００２２",
    "home.prefecture": "東京都",
    "home.city": "新宿区",
    "home.street": "新宿3-1-1",
    "action": "next",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def page(client):
    user = make_user()
    client.force_login(user)
    draft = draft_start(applicant=user, procedure=make_procedure(definition=DEFINITION))
    return draft, reverse("applications:draft_step", args=[draft.pk, "about"])


def test_the_step_page_renders_the_japanese_fields(client, page):
    _draft, url = page
    html = client.get(url).content.decode()
    assert 'id="id_applicant.family_kana"' in html
    assert 'name="lookup:home"' in html
    assert 'autocomplete="postal-code"' in html
    assert "令和6年4月1日" in html  # the date hint


def test_the_lookup_button_fills_the_address_and_keeps_everything_typed(client, page):
    _draft, url = page
    response = client.post(
        url, {"applicant.family": "山田", "home.postal_code": "160-0022", "lookup:home": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<option selected>東京都</option>" in html
    assert 'value="新宿区"' in html
    assert 'value="新宿"' in html
    assert 'value="山田"' in html


def test_a_filled_step_is_saved_in_its_cleaned_form(client, page):
    draft, url = page
    response = client.post(url, {**FILLED, "receipt": SimpleUploadedFile("r.jpg", JPEG_BYTES)})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.data["applicant"]["family_kana"] == "ヤマダ"
    assert draft.data["birth"] == "1975-03-03"
    assert draft.data["home"]["postal_code"] == "160-0022"
    assert draft.data["receipt"]["name"] == "r.jpg"
    assert draft.data["receipt"]["content_type"] == "image/jpeg"


def test_a_pdf_named_jpg_is_refused_next_to_the_file_input_and_the_rest_is_kept(client, page):
    _draft, url = page
    response = client.post(url, {**FILLED, "receipt": SimpleUploadedFile("r.jpg", PDF_BYTES)})
    html = response.content.decode()
    assert response.status_code == 422  # a refused form answers 422 (docs/architecture.md)
    assert "この種類のファイルは添付できません" in html
    assert 'id="id_receipt-error"' in html
    assert 'value="新宿3-1-1"' in html


NEW_TYPES = {
    "steps": [
        {
            "key": "family",
            "title": "家族",
            "fields": [
                {"key": "birth", "type": "date", "label": "生年月日", "required": True},
                {
                    "key": "family",
                    "type": "group",
                    "label": "ご家族",
                    "item_label": "家族",
                    "fields": [
                        {"key": "name", "type": "text", "label": "氏名", "required": True},
                        {"key": "income", "type": "money", "label": "収入"},
                    ],
                },
                {
                    "key": "total",
                    "type": "computed",
                    "label": "収入の合計",
                    "expression": "sum(family.income)",
                    "format": "money",
                },
                {"key": "my", "type": "mynumber", "label": "個人番号"},
            ],
            "checks": [
                {
                    "kind": "eligibility",
                    "rule": "age(birth) >= 18",
                    "message": "この手続は18歳以上の方が対象です。",
                }
            ],
        }
    ]
}


@pytest.fixture
def new_types_page(client):
    user = make_user()
    client.force_login(user)
    draft = draft_start(applicant=user, procedure=make_procedure(definition=NEW_TYPES))
    return draft, reverse("applications:draft_step", args=[draft.pk, "family"])


def test_a_group_row_is_added_on_the_applicant_page_without_javascript(client, new_types_page):
    draft, url = new_types_page
    response = client.post(
        url,
        {
            "birth": "1980-01-01",
            "family.rows": "1",
            "family.0.name": "山田 花子",
            "family.0.income": "1,000",
            "lookup:family.add": "1",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="family.rows" value="2"' in body and 'value="山田 花子"' in body and "家族 2" in body
    assert "error-summary" not in body  # adding a row is not a mistake


def test_rows_computed_total_and_encrypted_number_are_saved(client, new_types_page):
    draft, url = new_types_page
    response = client.post(
        url,
        {
            "birth": "昭和55年1月1日",
            "family.rows": "2",
            "family.0.name": "山田 花子",
            "family.0.income": "1,000",
            "family.1.name": "山田 次郎",
            "family.1.income": "２０００",
            "my": "1234 5678 9018",
            "action": "next",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.data["family"] == [
        {"name": "山田 花子", "income": 1000},
        {"name": "山田 次郎", "income": 2000},
    ]
    assert draft.data["total"] == 3000
    assert "123456789018" not in str(draft.data) and draft.data["my"]["last4"] == "9018"


def test_an_applicant_outside_the_target_is_stopped_on_the_step_with_the_explanation(client, new_types_page):
    draft, url = new_types_page
    response = client.post(url, {"birth": "2020-01-01", "family.rows": "1", "action": "next"})
    body = response.content.decode()
    assert response.status_code == 422 and "この手続は18歳以上の方が対象です。" in body
    assert 'href="#id_birth"' in body
