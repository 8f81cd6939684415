"""Scenario S6's last step: after the counter visit, the visitor scans the poster's QR code and
answers the review on a phone **without JavaScript**; staff read the figures and the (masked)
comment on a desktop and open the A4 poster. axe (WCAG 2.1 AA) on every page, no horizontal
scrolling at 320 px."""

from __future__ import annotations

from madoguchi.feedback.demo import DEMO_COUNTER_CODE
from madoguchi.feedback.models import Review
from tests.browser import harness

pytestmark = harness.BROWSER


def test_s6_review_from_the_counter_poster_on_a_phone_without_javascript(open_page, site):
    before = Review.objects.count()
    phone = open_page(javascript=False, width=320)
    page = phone.page
    phone.goto(f"/feedback/{DEMO_COUNTER_CODE}/")
    phone.check("review form")
    assert "市民課" in page.locator("h1").inner_text()
    assert phone.horizontal_overflow() == 0

    # sent without the required answer: 422, the message next to the field, the comment kept
    page.get_by_label("ご意見・ご感想").fill("説明が丁寧でした。折り返しは 090-1234-5678 へ。")
    with page.expect_navigation():
        page.get_by_role("button", name="送信する").click()
    phone.check("review form with an error")
    assert "満足度を選んでください。" in page.locator(".field-error").first.inner_text()
    assert "090-1234-5678" in page.get_by_label("ご意見・ご感想").input_value()

    page.get_by_label("満足", exact=True).check()
    page.get_by_label("9", exact=True).check()
    page.get_by_label("待ち時間が長い").check()
    with page.expect_navigation():
        page.get_by_role("button", name="送信する").click()
    phone.check("thanks")
    assert page.locator("h1").inner_text() == "ご回答ありがとうございました"
    assert Review.objects.count() == before + 1
    review = Review.objects.order_by("-submitted_at").first()
    assert review.satisfaction == 4 and review.nps == 9 and "090-1234-5678" not in review.comment
    phone.assert_no_problems()

    # staff: figures against the 70 % target, the masked comment, the A4 poster
    desk = open_page(javascript=True, width=1280, height=900)
    harness.staff_sign_in(desk, "counter@shinjuku.example.jp", next_path="/feedback/staff/")
    desk.check("staff overview")
    assert "目標 70%以上" in desk.page.locator("main").inner_text()
    desk.page.get_by_role("link", name="市民課 窓口（転入・転出・マイナンバーカード）").click()
    desk.page.wait_for_load_state("load")
    desk.check("staff point")
    assert "［電話番号］" in desk.page.locator(".comment-body").first.inner_text()
    desk.page.get_by_role("link", name="QRポスターを印刷する").click()
    desk.page.wait_for_load_state("load")
    desk.check("poster")
    assert desk.page.locator(".poster-qr svg").count() == 1
    assert f"/feedback/{DEMO_COUNTER_CODE}/" in desk.page.locator(".poster-url").inner_text()
    desk.assert_no_problems()
