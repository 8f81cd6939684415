"""Search and chat in a phone-sized Chromium, with and without JavaScript, checked by axe-core.

Reuses the shared browser harness (tests/browser: Chromium discovery, the page Recorder with
axe-core WCAG 2.1 AA, weight budget, no foreign requests, no CSP errors) with our own small
FAQ set instead of the whole demo.
"""

from __future__ import annotations

import pytest

from tests.browser import harness

pytestmark = harness.BROWSER


@pytest.fixture
def site(live_server, settings, tmp_path) -> harness.Site:
    """Replaces the shared harness's demo site: just the FAQ entries these tests need."""
    from madoguchi.core.testing import make_organization
    from madoguchi.knowledge import services
    from madoguchi.knowledge.constants import Visibility

    settings.DEBUG = False
    org = make_organization(slug="city", name="テスト市")
    for question, answer, visibility in [
        (
            "国民健康保険証を紛失しました。",
            "保険年金課の窓口で再発行の手続きができます。本人確認書類をお持ちください。",
            Visibility.PUBLIC,
        ),
        (
            "ごみの日を教えてください。",
            "ごみの収集日は地域によって異なります。収集カレンダーをご覧ください。",
            Visibility.PUBLIC,
        ),
        (
            "粗大ごみの申込方法を教えてください。",
            "粗大ごみ受付センターに電話で申し込んでください。",
            Visibility.PUBLIC,
        ),
        ("児童手当はいつ振り込まれますか？", "年3回、指定の口座に振り込みます。", Visibility.PUBLIC),
        ("職員向け：保険証の再交付事務の手順", "内部の手順です。", Visibility.STAFF),
    ]:
        services.faq_create(
            organization=org,
            actor="test",
            question=question,
            answer=answer,
            visibility=visibility,
            check_permission=False,
        )
    return harness.Site(url=live_server.url, tmp=tmp_path)


@pytest.fixture
def phone(open_page):
    def make(*, javascript: bool = True, width: int = 390) -> harness.Recorder:
        return open_page(javascript=javascript, width=width, height=844)

    return make


@pytest.mark.parametrize("javascript", [False, True])
def test_search_on_a_phone_finds_the_answer_and_hides_staff_only_faq(phone, javascript):
    rec = phone(javascript=javascript, width=320)
    rec.goto("/help/search")
    rec.check("search form")
    rec.page.get_by_label("キーワードや質問を入力してください").fill("保険証なくしちゃった")
    rec.page.locator("main").get_by_role("button", name="検索").click()
    rec.page.wait_for_load_state("load")
    rec.check("search results")
    titles = rec.page.locator(".result h3").all_inner_texts()
    assert titles[0] == "国民健康保険証を紛失しました。"
    assert not any("職員向け" in t for t in titles)
    assert rec.page.locator(".snippet mark").count() >= 1
    assert rec.horizontal_overflow() == 0
    rec.page.locator(".result h3 a").first.click()
    rec.page.wait_for_load_state("load")
    assert rec.page.locator("h1").inner_text().endswith("国民健康保険証を紛失しました。")
    rec.check("faq page")
    rec.goto("/help/search?q=")
    rec.check("search error")
    assert rec.page.locator(".error-summary a[href='#q']").inner_text() == "検索する言葉を入力してください。"
    rec.assert_no_problems()


def test_chat_without_javascript_answers_then_falls_back_to_a_prefilled_inquiry(phone):
    rec = phone(javascript=False)
    rec.goto("/help/chat")
    rec.check("chat start")
    rec.page.get_by_label("ご質問").fill("保険証をなくした")
    rec.page.get_by_role("button", name="送信").click()
    rec.page.wait_for_load_state("load")
    rec.check("chat answer")
    assert "保険年金課の窓口で再発行" in rec.page.locator(".chat-turn").last.inner_text()
    rec.page.get_by_label("ご質問").fill("宇宙旅行の予約をしたい")
    rec.page.get_by_role("button", name="送信").click()
    rec.page.wait_for_load_state("load")
    rec.check("chat fallback")
    rec.page.get_by_role("link", name="お問い合わせフォームへ").last.click()
    rec.page.wait_for_load_state("load")
    rec.check("inquiry prefilled")
    body = rec.page.get_by_label("お問い合わせ内容").input_value()
    assert "質問: 保険証をなくした" in body and "質問: 宇宙旅行の予約をしたい" in body
    rec.page.get_by_role("button", name="送信する").click()
    rec.page.wait_for_load_state("load")
    rec.check("inquiry errors")
    assert rec.page.locator(".error-summary").is_visible()
    assert "質問: 宇宙旅行の予約をしたい" in rec.page.get_by_label("お問い合わせ内容").input_value()
    rec.page.get_by_label("お名前").fill("山田 花子")
    rec.page.get_by_label("メールアドレス").fill("hanako@example.jp")
    rec.page.get_by_role("button", name="送信する").click()
    rec.page.wait_for_load_state("load")
    assert rec.page.locator("h1").inner_text() == "お問い合わせを受け付けました"
    rec.check("inquiry sent")
    rec.assert_no_problems()


def test_chat_widget_answers_in_place_with_javascript(phone):
    rec = phone(javascript=True)
    rec.goto("/help/chat/widget")
    rec.page.get_by_role("button", name="質問する").click()
    rec.page.get_by_label("ご質問").fill("ごみの日はいつ")
    rec.page.locator("#mdg-chat-panel").get_by_role("button", name="送信").click()
    rec.page.locator("#mdg-chat-panel .chat-bot").first.wait_for()
    assert "ごみの日を教えてください。" in rec.page.locator("#mdg-chat-panel").inner_text()
    rec.check("chat widget open")
    rec.assert_no_problems()
