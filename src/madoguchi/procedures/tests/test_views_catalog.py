"""The public catalog ("/") and procedure pages ("/<org>/<procedure>/")."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from madoguchi.core.testing import make_organization, make_procedure
from madoguchi.procedures.constants import Category

pytestmark = pytest.mark.django_db


def catalog(client, **params) -> str:
    response = client.get(reverse("procedures:catalog"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_catalog_lists_only_public_published_procedures(client):
    shown = make_procedure(title="高額療養費の支給申請")
    hidden = make_procedure(title="職員だけの内部手続", is_public=False)
    unpublished = make_procedure(title="準備中の手続", published=False)
    body = catalog(client)
    assert shown.title in body
    assert hidden.title not in body
    assert unpublished.title not in body


def test_keyword_search_matches_hiragana_against_katakana_and_fullwidth_text(client):
    make_procedure(title="スポーツ施設の予約", summary="テニスコートを予約します")
    make_procedure(title="ＰＤＦ様式の提出")
    make_procedure(title="研修の申込み")
    assert "スポーツ施設の予約" in catalog(client, q="てにす")
    assert "スポーツ施設の予約" in catalog(client, q="ｽﾎﾟｰﾂ")
    assert "ＰＤＦ様式の提出" in catalog(client, q="pdf")
    body = catalog(client, q="てにす")
    assert "研修の申込み" not in body


def test_every_keyword_must_match(client):
    make_procedure(title="保養施設の宿泊予約", keywords="宿泊 保養所")
    make_procedure(title="会議室の予約")
    body = catalog(client, q="予約　宿泊")  # 全角スペース
    assert "保養施設の宿泊予約" in body
    assert "会議室の予約" not in body


def test_keyword_search_reads_description_and_keywords(client):
    make_procedure(title="手当の認定", description="扶養手当・住居手当の認定を申請します。")
    make_procedure(title="資格取得届", keywords="組合員 新規採用")
    assert "手当の認定" in catalog(client, q="住居手当")
    assert "資格取得届" in catalog(client, q="新規採用")


def test_filters_by_category_and_organization(client):
    ward = make_organization(slug="minato", name="みなと区")
    city = make_organization(slug="kawa", name="かわ市")
    make_procedure(ward, title="保育園の入園申込", category=Category.CHILDCARE)
    make_procedure(ward, title="住民票の写しの請求", category=Category.LIVING)
    make_procedure(city, title="児童手当の認定請求", category=Category.CHILDCARE)
    body = catalog(client, category=Category.CHILDCARE, organization="minato")
    assert "保育園の入園申込" in body
    assert "住民票の写しの請求" not in body
    assert "児童手当の認定請求" not in body
    assert "検索結果 1件" in body


def test_unknown_filter_values_are_ignored_rather_than_failing(client):
    make_procedure(title="研修の申込み")
    body = catalog(client, category="nope", organization="nowhere", page="abc")
    assert "研修の申込み" in body


def test_catalog_paginates_with_get_links_that_keep_the_filters(client):
    org = make_organization(slug="big")
    for n in range(25):
        make_procedure(org, title=f"手続{n:02d}")
    first = catalog(client, organization="big")
    assert "1 / 2 ページ" in first
    assert "organization=big&amp;page=2" in first
    second = catalog(client, organization="big", page=2)
    assert second.count('class="card"') == 5


def test_no_result_gives_advice(client):
    make_procedure(title="研修の申込み")
    assert "見つかりませんでした" in catalog(client, q="存在しない言葉")


def test_procedure_page_shows_what_to_prepare_and_the_start_button(client):
    definition = {
        "requirements": ["領収書の写し", "保険証"],
        "steps": [
            {"key": "a", "title": "申請者", "fields": [{"key": "name", "type": "text", "label": "氏名"}]}
        ],
    }
    procedure = make_procedure(
        title="高額療養費の支給申請",
        description="自己負担限度額を超えた分を支給します。",
        standard_processing_days=20,
        contact="給付課 03-0000-0000",
        definition=definition,
    )
    response = client.get(reverse("procedures:detail", args=[procedure.organization.slug, procedure.slug]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "自己負担限度額を超えた分を支給します。" in body
    assert "受付から20開庁日程度" in body
    assert "領収書の写し" in body
    assert "給付課 03-0000-0000" in body
    assert "申請をはじめる" in body
    assert reverse("applications:start", args=[procedure.organization.slug, procedure.slug]) in body


def test_procedure_page_of_a_hidden_procedure_is_not_found(client):
    procedure = make_procedure(is_public=False)
    url = reverse("procedures:detail", args=[procedure.organization.slug, procedure.slug])
    assert client.get(url).status_code == 404


def test_procedure_urls_never_shadow_other_apps():
    from madoguchi.config.urls import APP_PREFIXES
    from madoguchi.procedures.urls import RESERVED_SLUGS

    for prefix in APP_PREFIXES.values():
        if prefix:
            assert prefix.split("/")[0] in RESERVED_SLUGS  # e.g. builder/bulk/ lives under builder
    assert resolve("/applications/00000000-0000-0000-0000-000000000000/").url_name == "detail"
    assert resolve("/applications/00000000-0000-0000-0000-000000000000/").namespace == "applications"
    assert resolve("/minato/hoiku/").namespace == "procedures"
