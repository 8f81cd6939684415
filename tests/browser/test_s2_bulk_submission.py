"""Scenario S2 in a browser (issue 13): the 所属所 clerk finds 一括提出 in the staff menu,
uploads the 組合員資格取得届 list with one bad row, reads the row's error, submits the good
rows; the 受付 notice goes to each member (not to the clerk); the member reads it on a phone.
The procedure owner can choose who may bulk-submit on the builder's settings page.
Staff on a desktop viewport, the member on a phone; axe on every page.
"""

from __future__ import annotations

from madoguchi.applications.models import Application
from madoguchi.core.models import DevMail
from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s1_backoffice import DESKTOP, press

pytestmark = harness.BROWSER

CLERK = "shozoku@example.jp"
OWNER = "admin@example.jp"  # the 保険課 procedure: the organization-wide admin edits it
HEADER = "組合員番号,氏名（姓）,氏名（名）,氏名（セイ（フリガナ））,氏名（メイ（フリガナ））,生年月日,資格取得年月日,組合員のメールアドレス\n"
ROWS = (
    "12345678,山田,花子,ヤマダ,ハナコ,1985-04-01,2026-04-01,hanako@example.jp\n"
    "87654321,新井,健,アライ,ケン,1999-07-07,2026-04-01,ken.arai@example.jp\n"
    "1234,鈴木,一郎,スズキ,イチロウ,2001-01-01,2026-04-01,ichiro@example.jp\n"  # 組合員番号 too short
)


def test_s2_the_member_office_submits_the_list_and_each_member_is_told(open_page, site):
    clerk = open_page(javascript=False, **DESKTOP)
    staff_sign_in(clerk, CLERK)
    page = clerk.page
    assert clerk.path == "/builder/bulk/", clerk.path  # the 所属所 lands on 一括提出, not the 書かない窓口
    clerk.check("bulk: landing")
    menu = [link.inner_text().strip() for link in page.locator("nav.site-nav a").all()]
    # the menu is the 所属所's work only: no 起案する, KPI, 書かない窓口 … (issue 13)
    assert [m for m in menu if m not in ("一括提出", "提案箱・Q&A", "2段階認証")] == [], menu
    with page.expect_navigation():
        page.locator("nav.site-nav a", has_text="一括提出").click()
    clerk.check("bulk: procedures")
    with page.expect_navigation():
        page.get_by_role("link", name="組合員資格取得届").click()
    clerk.check("bulk: upload")
    csv_path = site.tmp / "shikaku.csv"
    csv_path.write_bytes((HEADER + ROWS).encode("cp932"))
    page.set_input_files("#id_file", str(csv_path))
    press(page, "内容を確認する")
    clerk.check("bulk: report")
    main = page.locator("main").inner_text()
    assert "4行目" in main or "4" in main, main
    assert "組合員番号は数字8桁で入力してください" in main, main
    press(page, "2行を提出する")
    clerk.check("bulk: submitted")
    applications = Application.objects.filter(procedure__slug="shikaku-shutoku")
    assert applications.count() == 2
    assert {a.applicant.email for a in applications} == {"hanako@example.jp", "ken.arai@example.jp"}
    receipts = DevMail.objects.filter(body__contains="組合員資格取得届")
    assert not receipts.filter(to__icontains=CLERK).exists(), "the clerk got the receipt"
    assert receipts.filter(to__icontains="ken.arai@example.jp").exists()
    with page.expect_navigation():
        page.locator("nav.site-nav a", has_text="一括提出").click()
    listed = page.locator("main table").inner_text()
    assert "shikaku.csv" in listed and "提出済み" in listed, listed
    clerk.check("bulk: landing lists the submitted file")

    member = open_page(javascript=True)  # phone
    harness.sign_in(member, "hanako@example.jp", next_path="/applications/", check=False)
    member.check("member: my applications")
    assert "組合員資格取得届" in member.page.locator("main").inner_text()

    owner = open_page(javascript=False, **DESKTOP)
    staff_sign_in(owner, OWNER)
    owner.goto("/builder/")
    owner.check("builder index")
    from madoguchi.procedures.models import Procedure

    procedure = Procedure.objects.get(slug="shikaku-shutoku")
    owner.goto(f"/builder/{procedure.pk}/settings/")
    owner.check("builder settings with bulk submitters")
    assert owner.page.locator('input[name="bulk_submitters"]:checked').count() == 1

    for rec in (clerk, member, owner):
        rec.assert_no_problems()
