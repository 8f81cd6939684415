"""The public doors of 利用者の声 (issue 14): the applicant menu's 「ご意見・アンケート」 (a
poster's code → its survey; 「ご意見への対応」) and 「みんなの提案」 (public spaces, read
without signing in), and the 「お知らせを止める」 page a notification links to — on a phone
without JavaScript, axe (WCAG 2.1 AA) on every page, no horizontal scrolling at 320 px."""

from __future__ import annotations

import re

from madoguchi.feedback.demo import DEMO_COUNTER_CODE
from madoguchi.ideas.models import Follow
from madoguchi.ideas.tokens import read_mute_token
from madoguchi.notifications.models import Notification
from tests.browser import harness

pytestmark = harness.BROWSER


def test_feedback_and_ideas_from_the_applicant_menu_and_the_mute_page(open_page, site):
    phone = open_page(javascript=False, width=320)
    page = phone.page

    phone.goto("/")
    assert page.locator('a[href="/feedback/"]').count() >= 1  # the applicant menu
    assert page.locator('a[href="/ideas/"]').count() >= 1
    phone.goto("/feedback/")
    phone.check("feedback: code and responses")
    assert "ご意見への対応" in page.locator("main").inner_text()
    assert phone.horizontal_overflow() == 0

    page.get_by_label("ポスターのコード").fill("ZZZZZZ")
    with page.expect_navigation():
        page.get_by_role("button", name="アンケートをひらく").click()
    phone.check("feedback: unknown code")
    assert "見つかりません" in page.locator("#code-error").inner_text()

    page.get_by_label("ポスターのコード").fill(DEMO_COUNTER_CODE.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="アンケートをひらく").click()
    assert phone.path == f"/feedback/{DEMO_COUNTER_CODE}/"

    phone.goto("/ideas/")
    phone.check("ideas: public spaces")
    assert "区民の提案箱" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="デジタル提案箱+").count() == 0  # staff only: not listed
    with page.expect_navigation():
        page.get_by_role("link", name="区民の提案箱").click()
    phone.check("ideas: a public space")
    assert "区役所の窓口の混み具合" in page.locator("main").inner_text()

    # the link in a follower's 「公式回答が公開されました」 message (S9's demo answers one proposal)
    message = Notification.objects.filter(event="ideas.answered", channel="mailbox").first()
    assert message is not None
    path = re.search(r"https?://[^/\s]+(/ideas/mute/[^\s/]+/)", message.body).group(1)
    phone.goto(path)
    phone.check("ideas: stop notifications")
    with page.expect_navigation():
        page.get_by_role("button", name="お知らせを止める").click()
    phone.check("ideas: notifications stopped")
    assert "お知らせを止めました" in page.locator("main").inner_text()
    wanted = read_mute_token(path.split("/")[-2])
    assert wanted is not None and wanted.user_id == message.recipient_id
    assert not Follow.objects.filter(user_id=wanted.user_id, proposal_id=wanted.proposal_id).exists()
    assert phone.horizontal_overflow() == 0
    phone.assert_no_problems()
