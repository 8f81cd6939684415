"""The FAQ chatbot page (works without JavaScript) and its fallback to the inquiry form."""

from __future__ import annotations

import pytest

from madoguchi.core.testing import make_organization, make_user
from madoguchi.knowledge.chat import chat_reply
from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.models import Inquiry, SearchQueryLog

pytestmark = pytest.mark.django_db


def test_chat_shows_the_best_answer_with_its_source_and_alternatives(client, city_faqs):
    response = client.post("/help/chat", {"q": "保険証なくしちゃった"})
    assert response.status_code == 302 and response["Location"].endswith("/help/chat#latest")
    page = client.get("/help/chat").content.decode()
    assert "国民健康保険証を紛失しました。" in page
    assert "保険年金課の窓口で手続きできます。" in page
    assert f'href="/help/faq/{city_faqs["hoken"].pk}/"' in page
    assert "出典:" in page


def test_chat_with_no_matching_faq_offers_the_inquiry_form_prefilled_with_the_conversation(client, city_faqs):
    client.post("/help/chat", {"q": "ごみの日"})
    client.post("/help/chat", {"q": "宇宙旅行の予約をしたい"})
    page = client.get("/help/chat").content.decode()
    assert "ご質問に合う回答が見つかりませんでした" in page
    assert 'href="/help/inquiry?from=chat"' in page
    form = client.get("/help/inquiry", {"from": "chat"}).content.decode()
    assert "質問: ごみの日" in form and "質問: 宇宙旅行の予約をしたい" in form
    assert "チャットの回答: 見つかりませんでした" in form

    response = client.post(
        "/help/inquiry",
        {"from": "chat", "name": "山田 花子", "email": "hanako@example.jp", "body": "宇宙旅行の予約について"},
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert "質問: 宇宙旅行の予約をしたい" in inquiry.conversation
    assert inquiry.body == "宇宙旅行の予約について"


def test_unanswered_chat_questions_are_logged_for_staff_without_digits(client, city_faqs):
    client.post("/help/chat", {"q": "宇宙旅行の予約 2026年"})
    log = SearchQueryLog.objects.get(source="chat")
    assert log.query == "宇宙旅行の予約 年" and log.unanswered == 1


def test_inquiry_form_keeps_what_was_typed_and_explains_each_error(client, org):
    response = client.post("/help/inquiry", {"name": "", "email": "hanako@", "body": "長い質問の本文"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "お名前を入力してください。" in page
    assert "メールアドレスは name@example.jp のように入力してください。" in page
    assert 'value="hanako@"' in page and "長い質問の本文" in page
    assert 'href="#id_name"' in page and 'aria-describedby="id_email_helptext id_email_error"' in page
    assert 'id="id_email_error"' in page and 'id="id_email_helptext"' in page
    assert Inquiry.objects.count() == 0


def test_chat_asks_which_one_when_the_top_answers_are_close(faq_factory):
    faq_factory("療育医療の申請場所を教えてください。", "保健所で申請します。")
    faq_factory("育成医療の申請場所を教えてください。", "保健所で申請します。")
    faq_factory("養育医療の申請場所を教えてください。", "保健所で申請します。")
    reply = chat_reply(question="医療の申請場所")
    assert reply.kind == "clarify"
    assert len(reply.choices) >= 2


def test_choosing_one_of_the_choices_shows_its_answer(client, faq_factory):
    faq = faq_factory("療育医療の申請場所を教えてください。", "保健所の窓口で申請します。")
    client.post("/help/chat", {"choice": str(faq.pk)})
    assert "保健所の窓口で申請します。" in client.get("/help/chat").content.decode()


def test_chat_never_answers_with_a_staff_only_faq_for_the_public(client, faq_factory):
    faq_factory("職員向け：給与明細の再発行手順", "人事システムで再発行します。", visibility=Visibility.STAFF)
    assert chat_reply(question="給与明細の再発行", user=make_user()).kind == "fallback"
    staff_only = faq_factory("職員向け：旅費精算の手順", "内部の手順です。", visibility=Visibility.STAFF)
    client.post("/help/chat", {"choice": str(staff_only.pk)})
    assert "内部の手順です。" not in client.get("/help/chat").content.decode()


def test_empty_chat_question_is_explained_next_to_the_field(client):
    response = client.post("/help/chat", {"q": "  "})
    assert response.status_code == 422
    page = response.content.decode()
    assert "質問を入力してください。" in page and 'aria-describedby="chat-q-error"' in page


def test_chat_answer_for_another_organizations_staff_member_hides_staff_faq(faq_factory):
    faq_factory("職員向け：庁内ネットワークの申請", "情報政策課に申請します。", visibility=Visibility.STAFF)
    from madoguchi.core.testing import make_staff

    outsider = make_staff(make_organization())
    assert chat_reply(question="庁内ネットワークの申請", user=outsider).kind == "fallback"


def test_a_one_word_question_gets_a_choice_of_answers(faq_factory):
    faq_factory("ごみの日を教えてください。", "地域ごとに決まっています。")
    faq_factory("粗大ごみの出し方を教えてください。", "申し込みが必要です。")
    faq_factory("ごみの分別について教えてください。", "分別表をご覧ください。")
    reply = chat_reply(question="ごみ")
    assert reply.kind == "clarify"
    assert len(reply.choices) == 3
