"""S9, the rest of issue 14 in a browser: 課長 (tokyo-kacho) proposes with a PDF attached, in
English; a colleague downloads it; the moderator (tokyo-digital) moves it along the box's
statuses and cannot move their own proposal; a muted follower stops following; SHIN-QA suggests
similar questions while the title is typed (site search, JavaScript). axe on every page."""

from __future__ import annotations

from pathlib import Path

from madoguchi.accounts.models import User
from madoguchi.ideas import services
from madoguchi.ideas.models import Follow, Proposal, ProposalAttachment, Space
from madoguchi.ideas.permissions import staff_viewer
from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s9_proposal_box import DESKTOP, click

pytestmark = harness.BROWSER
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def english(rec: harness.Recorder) -> None:
    click(rec, rec.page.get_by_role("button", name="English"))


def test_s9_attachment_statuses_own_proposal_mute_and_typing_suggestions(open_page, site, tmp_path):
    kacho = open_page(**DESKTOP)
    page = kacho.page
    staff_sign_in(kacho, "tokyo-kacho@example.jp", next_path="/ideas/tokyo/teian/new/")
    english(kacho)
    kacho.check("new proposal (en)")
    page.locator("#id_title").fill("ペーパーレス会議の手引きを作る")
    page.locator("#id_category").select_option("業務改善")
    page.locator("#id_body").fill("会議資料の電子化の手順をまとめた手引きを作ります。")
    pdf = Path(tmp_path) / "手引き案.pdf"
    pdf.write_bytes(PDF)
    page.locator("#id_attachment").set_input_files(str(pdf))
    click(kacho, page.get_by_role("button", name="Post"))
    kacho.check("proposal with an attachment (en)")
    proposal = Proposal.objects.get(title="ペーパーレス会議の手引きを作る")
    attachment = ProposalAttachment.objects.get(proposal=proposal)
    assert page.get_by_role("link", name="手引き案.pdf").count() == 1
    proposal_path = kacho.path

    colleague = open_page(**DESKTOP)
    staff_sign_in(colleague, "tokyo-shokuin@example.jp", next_path=proposal_path)
    colleague.check("proposal as a colleague")
    with colleague.page.expect_download() as download:
        colleague.page.get_by_role("link", name="手引き案.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    assert download.value.suggested_filename.endswith(".pdf")
    click(colleague, colleague.page.get_by_role("button", name="フォローする"))

    moderator = open_page(**DESKTOP)
    staff_sign_in(moderator, "tokyo-digital@example.jp", next_path=proposal_path)
    moderator.page.get_by_label("次の状態").select_option(label="検討中")
    click(moderator, moderator.page.get_by_role("button", name="状態を進める"))
    moderator.check("status moved")
    assert "検討中" in moderator.page.locator(".meta .status").first.inner_text()
    # the moderator's own proposal: the status cannot be moved by them
    space = Space.objects.get(organization__slug="tokyo", slug="teian")
    own = services.proposal_save(
        viewer=staff_viewer(User.objects.get(email="tokyo-digital@example.jp")),
        space=space,
        title="モデレーター自身の提案",
        body="本文",
        publish=True,
    )
    moderator.goto(f"/ideas/tokyo/teian/p/{own.pk}/")
    moderator.page.get_by_label("次の状態").select_option(label="検討中")
    click(moderator, moderator.page.get_by_role("button", name="状態を進める"))
    moderator.check("own proposal refused")
    assert "自分の提案の状態は変えられません。" in moderator.page.locator("main").inner_text()
    own.refresh_from_db()
    assert own.status == "received"
    # the colleague is muted; they can still stop following
    moderator.goto(proposal_path)
    services.mute_set(
        viewer=staff_viewer(User.objects.get(email="tokyo-digital@example.jp")),
        space=space,
        user=User.objects.get(email="tokyo-shokuin@example.jp"),
        reason="テスト",
    )
    colleague.goto(proposal_path)
    click(colleague, colleague.page.get_by_role("button", name="フォローをやめる"))
    colleague.check("muted follower unfollowed")
    assert not Follow.objects.filter(proposal=proposal, user__email="tokyo-shokuin@example.jp").exists()

    # SHIN-QA: suggestions while typing (English page)
    kacho.goto("/ideas/tokyo/shin-qa/new/")
    kacho.page.locator("#id_title").press_sequentially("在宅勤務の申請の締切", delay=30)
    live = kacho.page.locator("#similar-live")
    live.get_by_role("link", name="在宅勤務の申請はいつまでに出せばよいですか？").wait_for()
    kacho.check("typing suggestions (en)")
    assert "Official answer" in live.inner_text() or "公式回答" in live.inner_text()
    assert attachment.pk
    for rec in (kacho, colleague, moderator):
        rec.assert_no_problems()
