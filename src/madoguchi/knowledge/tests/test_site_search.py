"""One search box everywhere: the header of every page, scoped to the organization being looked at;
answers for natural questions on the home page; the chat offers the online procedure."""

from __future__ import annotations

import pytest

from madoguchi.core.testing import make_organization, make_procedure
from madoguchi.knowledge import services
from madoguchi.knowledge.chat import chat_reply
from madoguchi.knowledge.search.indexing import search_index_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_card_procedure(org):
    procedure = make_procedure(
        org,
        title="資格確認書の再交付申請",
        summary="資格確認書（保険証の代わりになる書類）をなくしたときに再交付を申請します。",
        keywords="保険証 資格確認書 なくした 紛失 再発行",
    )
    search_index_procedure(procedure=procedure)
    return procedure


def test_every_page_has_the_site_search_box_in_its_header(client, city_faqs):
    for url in ("/", "/help/", "/help/chat", "/accounts/login/"):
        page = client.get(url).content.decode()
        assert 'class="site-search"' in page and 'action="/help/search"' in page, url
        assert 'id="site-search-q"' in page


def test_on_a_procedure_page_the_header_searches_that_organization(client, org, lost_card_procedure):
    page = client.get(f"/{org.slug}/{lost_card_procedure.slug}/").content.decode()
    assert f'<input type="hidden" name="organization" value="{org.slug}">' in page
    assert "テスト市の手続・よくある質問をさがす" in page


def test_natural_questions_find_answers_on_the_home_page(client, city_faqs):
    page = client.get("/", {"q": "保険証をなくした"}).content.decode()
    assert "国民健康保険証を紛失しました。" in page
    page = client.get("/", {"q": "引っ越したときの手続き"}).content.decode()
    assert "転入の手続きについて教えてください。" in page


def test_an_empty_result_on_the_home_page_offers_the_chat_and_the_inquiry_form(client, city_faqs):
    page = client.get("/", {"q": "ぴよぴよぱよ"}).content.decode()
    assert 'href="/help/chat"' in page and 'href="/help/inquiry"' in page


def test_an_empty_search_offers_the_chat_and_the_inquiry_form(client, city_faqs):
    page = client.get("/help/search", {"q": "ぴよぴよぱよ"}).content.decode()
    assert 'href="/help/chat"' in page and 'href="/help/inquiry"' in page


def test_results_of_other_organizations_come_only_on_request_and_labelled(client, org, faq_factory, staff):
    other = make_organization(slug="other-town", name="よその町")
    faq_factory("粗大ごみの出し方を教えてください。", "粗大ごみ受付センターへ。")
    faq_factory("粗大ごみの出し方（よその町）", "よその町の清掃事務所へ。", organization=other)
    scoped = client.get("/help/search", {"q": "粗大ごみ", "organization": "city"}).content.decode()
    assert "粗大ごみの出し方を教えてください。" in scoped and "よその町の清掃事務所" not in scoped
    assert "everywhere=1" in scoped  # the way to ask for the others
    everywhere = client.get(
        "/help/search", {"q": "粗大ごみ", "organization": "city", "everywhere": "1"}
    ).content.decode()
    assert "粗大ごみの出し方（よその町）" in everywhere
    assert everywhere.count("ほかの団体の情報</span>") == 1


def test_the_chat_offers_the_matching_online_procedure(org, city_faqs, lost_card_procedure):
    reply = chat_reply(question="保険証をなくした")
    assert reply.kind == "answer" and reply.best == city_faqs["hoken"]
    assert [p.title for p in reply.procedures] == ["資格確認書の再交付申請"]
    assert reply.as_dict()["procedures"][0]["url"] == f"/{org.slug}/{lost_card_procedure.slug}/"


def test_the_chat_page_shows_the_procedure_link(client, org, city_faqs, lost_card_procedure):
    client.post("/help/chat", {"q": "保険証をなくした"})
    page = client.get("/help/chat").content.decode()
    assert "オンラインで手続きできます。" in page
    assert f'href="/{org.slug}/{lost_card_procedure.slug}/"' in page


def test_a_procedure_linked_to_the_answer_is_offered_first(org, city_faqs, staff):
    procedure = make_procedure(org, title="ごみ収集カレンダーの郵送申込", summary="カレンダーを郵送します。")
    search_index_procedure(procedure=procedure)
    services.faq_update(faq=city_faqs["gomi"], actor=staff, related_procedures=[procedure])
    reply = chat_reply(question="ごみの日を教えて")
    assert reply.procedures and reply.procedures[0].title == "ごみ収集カレンダーの郵送申込"


def test_a_procedure_result_links_to_the_procedure_page(client, org, lost_card_procedure):
    results = client.get("/api/v1/search", {"q": "資格確認書", "type": "procedure"}).json()["results"]
    assert [r["url"] for r in results] == [f"/{org.slug}/{lost_card_procedure.slug}/"]
