"""Scenario S9 on a desktop: a member of staff proposes in デジタル提案箱+, a colleague likes it,
the moderator (デジタルサービス局) asks 人材育成課 for the official answer, a member of that
department writes and publishes it, and the author sees it (and is told in the mailbox). Then
SHIN-QA: a question with its 公式回答. axe (WCAG 2.1 AA) on every page."""

from __future__ import annotations

from madoguchi.ideas.models import Proposal
from madoguchi.notifications.models import Notification
from tests.browser import harness

pytestmark = harness.BROWSER
DESKTOP = {"javascript": True, "width": 1280, "height": 900}


def click(rec: harness.Recorder, locator) -> None:
    with rec.page.expect_navigation():
        locator.click()


def test_s9_propose_like_assign_answer_and_the_author_sees_it(open_page, site):
    author = open_page(**DESKTOP)
    page = author.page
    harness.staff_sign_in(author, "tokyo-shokuin@example.jp", next_path="/ideas/")
    author.check("ideas index")
    click(author, page.get_by_role("link", name="デジタル提案箱+"))
    author.check("proposal box")
    click(author, page.get_by_role("link", name="提案する"))
    author.check("new proposal")
    click(author, page.get_by_role("button", name="投稿する"))  # the title is missing
    author.check("new proposal with an error")
    assert "件名を入力してください。" in page.locator(".field-error").first.inner_text()
    page.get_by_label("件名").fill("窓口の混雑状況をホームページで公開する")
    page.get_by_label("分類").select_option("業務改善")
    page.get_by_label("提案の内容").fill(
        "【現状の課題】\n窓口が混む時間が分からない。\n\n【提案の内容】\n待ち人数を公開する。"
    )
    click(author, page.get_by_role("button", name="投稿する"))
    author.check("proposal")
    proposal = Proposal.objects.get(title="窓口の混雑状況をホームページで公開する")
    proposal_path = author.path

    colleague = open_page(**DESKTOP)
    harness.staff_sign_in(colleague, "tokyo-kacho@example.jp", next_path=proposal_path)
    click(colleague, colleague.page.get_by_role("button", name="いいね（0）"))
    colleague.check("liked")
    assert colleague.page.get_by_role("button", name="いいね済み（1）").count() == 1

    # the moderator is told, and finds it on their work page (not by its address)
    assert Notification.objects.filter(
        event="ideas.to_assign",
        recipient__email="tokyo-digital@example.jp",
        dedupe_key__endswith=f":{proposal.pk}",
    ).exists()
    moderator = open_page(**DESKTOP)
    harness.staff_sign_in(moderator, "tokyo-digital@example.jp", next_path="/ideas/work/")
    moderator.check("moderator's work page")
    click(moderator, moderator.page.get_by_role("link", name="窓口の混雑状況をホームページで公開する"))
    assert moderator.path == proposal_path
    moderator.check("proposal as moderator")
    moderator.page.get_by_label("担当部署").select_option(label="総務局 人事部 人材育成課")
    click(moderator, moderator.page.get_by_role("button", name="担当部署に依頼する"))
    moderator.check("assigned")
    assert Notification.objects.filter(
        event="ideas.assigned", dedupe_key__contains=f":{proposal.pk}:"
    ).exists()

    department = open_page(**DESKTOP)
    harness.staff_sign_in(department, "tokyo-jinzai@example.jp", next_path="/ideas/work/")
    department.check("department work")
    click(department, department.page.get_by_role("link", name="窓口の混雑状況をホームページで公開する"))
    department.page.get_by_label("実現").check()
    department.page.get_by_role("textbox", name="公式回答").fill(
        "来年度から、主な窓口の待ち人数をホームページで公開します。"
    )
    click(department, department.page.get_by_role("button", name="回答を保存する（公開しない）"))
    department.check("answer prepared")
    click(department, department.page.get_by_role("button", name="公式回答を公開する"))
    department.check("answer published")

    author.goto(proposal_path)
    author.check("proposal with the official answer")
    answer = page.locator(".official-answer").first.inner_text()
    assert "来年度から、主な窓口の待ち人数をホームページで公開します。" in answer and "実現" in answer
    assert Notification.objects.filter(
        event="ideas.answered", recipient__email="tokyo-shokuin@example.jp"
    ).exists()
    click(author, page.get_by_role("link", name="デジタル提案箱+"))
    click(author, page.get_by_role("link", name="実現した提案"))
    author.check("realized proposals")
    assert "窓口の混雑状況をホームページで公開する" in page.locator("main").inner_text()

    # SHIN-QA: the question with the department's 公式回答
    author.goto("/ideas/tokyo/shin-qa/")
    author.check("SHIN-QA")
    click(author, page.get_by_role("link", name="在宅勤務の申請はいつまでに出せばよいですか？"))
    author.check("question")
    assert "公式回答" in page.locator(".official-answer").first.inner_text()
    author.goto("/ideas/tokyo/shin-qa/new/")
    page.locator("#id_title").fill("在宅勤務の申請の締切")
    click(author, page.get_by_role("button", name="似た質問をさがす"))
    author.check("similar questions")
    assert "在宅勤務の申請はいつまでに出せばよいですか？" in page.locator(".similar").inner_text()
    for rec in (author, colleague, moderator, department):
        rec.assert_no_problems()
