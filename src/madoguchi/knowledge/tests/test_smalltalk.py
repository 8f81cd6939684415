"""Greetings and small talk get a short fitting answer; real questions still go to the FAQ."""

from __future__ import annotations

import pytest

from madoguchi.knowledge import importer
from madoguchi.knowledge.chat import chat_reply
from madoguchi.knowledge.demo import DEMO_FAQ_PATH
from madoguchi.knowledge.models import SearchQueryLog
from madoguchi.knowledge.smalltalk import INTENTS, classify


def intent_of(text: str) -> str | None:
    intent = classify(text)
    return intent.id if intent else None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("こんにちは", "greeting"),
        ("こんにちわ！", "greeting"),
        ("ｺﾝﾆﾁﾊ", "greeting"),
        ("はじめまして", "greeting"),
        ("よろしくお願いします", "greeting"),
        ("おはようございます", "greeting"),
        ("Hello", "greeting"),
        ("hi there", "greeting"),
        ("ありがとう", "thanks"),
        ("ありがとうございました。", "thanks"),
        ("どうもありがとー", "thanks"),
        ("助かりました", "thanks"),
        ("本当に助かりました！ありがとうございます", "thanks"),
        ("サンキュー", "thanks"),
        ("Thanks!", "thanks"),
        ("thank you very much", "thanks"),
        ("わかりました", "acknowledge"),
        ("了解です", "acknowledge"),
        ("もういいです", "closing"),
        ("もう大丈夫です", "closing"),
        ("さようなら", "closing"),
        ("bye", "closing"),
        ("ありがとう、もういいです", "closing"),
        ("担当者と話したい", "handover"),
        ("担当者とお話ししたいのですが", "handover"),
        ("人と話したいです", "handover"),
        ("職員さんにつないでください", "handover"),
        ("オペレーターに代わって", "handover"),
        ("電話で相談したい", "handover"),
        ("問い合わせ先を教えてください", "handover"),
        ("こんにちは、担当者と話したい", "handover"),
        ("talk to a human", "handover"),
        ("使い方を教えて", "help"),
        ("何ができますか？", "help"),
    ],
)
def test_small_talk_is_recognized(text, intent):
    assert intent_of(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "こんにちは、児童手当の申請はどこでできますか",
        "こんにちは。保険証をなくしました",
        "すみません、ごみの日を教えてください",
        "ありがとう。あと、転入の手続きも知りたいです",
        "hello, where can I get a residence certificate",
        "児童手当の担当者と話したい",
        "お願いします",
        "保険証",
        "窓口はどこですか",
    ],
)
def test_a_message_with_anything_besides_small_talk_is_not_small_talk(text):
    assert classify(text) is None


def test_every_intent_has_an_answer_and_at_least_one_phrase():
    ids = [intent.id for intent in INTENTS]
    assert len(ids) == len(set(ids))
    for intent in INTENTS:
        assert intent.patterns and str(intent.answer).endswith("。")


def test_no_question_of_the_demo_faq_set_is_taken_for_small_talk():
    questions = [row["question"] for _number, row in importer.read_file(DEMO_FAQ_PATH)]
    assert len(questions) == 661
    false_positives = [q for q in questions if classify(q) is not None]
    assert false_positives == []


@pytest.mark.django_db
def test_chat_answers_a_greeting_without_searching_the_faq(city_faqs):
    reply = chat_reply(question="こんにちは")
    assert reply.kind == "smalltalk" and reply.intent.id == "greeting"
    assert reply.best is None and reply.choices == [] and reply.alternatives == []


@pytest.mark.django_db
def test_chat_answers_a_question_that_starts_with_a_greeting_from_the_faq(city_faqs):
    reply = chat_reply(question="こんにちは、児童手当はいつ振り込まれますか")
    assert reply.kind == "answer" and reply.best == city_faqs["jidou"]


@pytest.mark.django_db
def test_asking_for_a_person_offers_the_inquiry_form_and_the_office_contact(client, org):
    client.post("/help/chat", {"q": "担当者と話したい"})
    page = client.get("/help/chat").content.decode()
    assert "担当者にご質問いただけます。" in page
    assert 'href="/help/inquiry?from=chat"' in page
    assert "テスト市の担当窓口" in page


@pytest.mark.django_db
def test_the_office_contact_setting_is_shown_when_set(org, settings):
    settings.KNOWLEDGE_OFFICE_CONTACT = "市民課 03-0000-0000（平日 8:30〜17:15）"
    reply = chat_reply(question="人と話したい")
    assert "市民課 03-0000-0000" in reply.contact
    assert reply.as_dict()["handover"] is True


@pytest.mark.django_db
def test_thanks_on_the_chat_page_gets_youre_welcome_and_is_not_logged_as_unanswered(client, city_faqs):
    client.post("/help/chat", {"q": "ありがとうございました"})
    page = client.get("/help/chat").content.decode()
    assert "どういたしまして。" in page
    assert "ご質問に合う回答が見つかりませんでした" not in page
    assert not SearchQueryLog.objects.exists()


@pytest.mark.django_db
def test_small_talk_is_left_out_of_the_inquiry_form_prefill(client, city_faqs):
    client.post("/help/chat", {"q": "こんにちは"})
    client.post("/help/chat", {"q": "宇宙旅行の予約をしたい"})
    client.post("/help/chat", {"q": "担当者と話したい"})
    form = client.get("/help/inquiry", {"from": "chat"}).content.decode()
    assert "質問: 宇宙旅行の予約をしたい" in form
    assert "質問: こんにちは" not in form and "質問: 担当者と話したい" not in form


@pytest.mark.django_db
def test_chat_api_returns_the_small_talk_message(client, city_faqs):
    data = client.get("/api/v1/chat", {"message": "thanks"}).json()
    assert data["kind"] == "smalltalk" and data["intent"] == "thanks"
    assert data["message"].startswith("どういたしまして。")
    assert data["best"] is None and data["handover"] is False
