"""Contract of GET /api/v1/search and GET /api/v1/chat."""

from __future__ import annotations

import pytest

from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.models import SearchQueryLog

pytestmark = pytest.mark.django_db


def test_search_returns_typed_results_with_highlighted_snippets(client, city_faqs):
    response = client.get("/api/v1/search", {"q": "ごみの日", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 2
    first = body["results"][0]
    assert set(first) == {"type", "title", "url", "snippet", "score", "organization"}
    assert first["organization"] == "テスト市"
    assert first["type"] == "faq"
    assert first["title"] == "ごみの日を教えてください。"
    assert first["url"] == f"/help/faq/{city_faqs['gomi'].pk}/"
    assert "<mark>" in first["snippet"]
    assert first["score"] == 1.0 and body["results"][1]["score"] <= 1.0


def test_search_answers_422_with_field_messages_for_bad_input(client):
    empty = client.get("/api/v1/search", {"q": " "})
    assert empty.status_code == 422
    assert empty.json()["error"]["fields"]["q"] == ["検索する言葉を入力してください。"]
    too_many = client.get("/api/v1/search", {"q": "ごみ", "limit": 500})
    assert too_many.status_code == 422 and "limit" in too_many.json()["error"]["fields"]
    not_a_number = client.get("/api/v1/search", {"q": "ごみ", "limit": "たくさん"})
    assert not_a_number.status_code == 422
    bad_type = client.get("/api/v1/search", {"q": "ごみ", "type": "secret"})
    assert bad_type.status_code == 422 and "type" in bad_type.json()["error"]["fields"]


def test_search_api_never_returns_staff_only_faq_to_the_public(client, faq_factory):
    faq_factory("職員向けの内部手順書について", visibility=Visibility.STAFF)
    response = client.get("/api/v1/search", {"q": "内部手順書"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_search_api_shows_staff_only_faq_to_a_member(client, faq_factory, staff):
    faq_factory("職員向けの内部手順書について", visibility=Visibility.STAFF)
    client.force_login(staff)
    titles = [r["title"] for r in client.get("/api/v1/search", {"q": "内部手順書"}).json()["results"]]
    assert titles == ["職員向けの内部手順書について"]


def test_zero_result_searches_are_logged_without_personal_data(client, city_faqs):
    client.get("/api/v1/search", {"q": "ぴよぴよ 09012345678 taro@example.jp"})
    log = SearchQueryLog.objects.get()
    assert log.query == "ぴよぴよ" and log.zero_results == 1 and log.searches == 1


def test_chat_api_answers_with_the_source_faq(client, city_faqs):
    body = client.get("/api/v1/chat", {"message": "保険証をなくした"}).json()
    assert body["kind"] == "answer"
    assert body["best"]["question"] == "国民健康保険証を紛失しました。"
    assert body["best"]["url"] == f"/help/faq/{city_faqs['hoken'].pk}/"
    assert body["best"]["source"] == "テスト市"


def test_chat_api_without_a_message_is_422(client):
    assert client.get("/api/v1/chat").status_code == 422
