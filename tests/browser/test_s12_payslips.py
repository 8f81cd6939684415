"""Scenario S12 in a browser (issue 13): 人事 imports the staff roster on its own page (no Django
admin), delivers the month's payslips (ZIP of PDFs + CSV), and the employee reads hers in the
mailbox on a phone. Staff on a desktop viewport, the employee on a phone; axe on every page.
"""

from __future__ import annotations

import zipfile

from madoguchi.notifications.models import MailboxMessage, Member
from tests.browser import harness
from tests.browser.harness import staff_sign_in
from tests.browser.test_s1_backoffice import DESKTOP, press

pytestmark = harness.BROWSER

JINJI = "tokyo-jinji@example.jp"
ROSTER = "職員番号,氏名,メールアドレス\n1234567,山田 花子,hanako@example.jp\n7654321,新人 一郎,shinjin@example.jp\nabc,,not-an-address\n"


def test_s12_roster_import_payslip_delivery_and_the_employee_reads_it(open_page, site):
    staff = open_page(javascript=False, **DESKTOP)
    staff_sign_in(staff, JINJI)
    page = staff.page
    with page.expect_navigation():
        page.locator("nav.site-nav a", has_text="通知・配信").click()
    staff.check("notifications: delivery log")
    with page.expect_navigation():
        page.get_by_role("link", name="職員名簿").click()
    staff.check("roster")
    roster = site.tmp / "roster.csv"
    roster.write_bytes(ROSTER.encode("cp932"))
    page.set_input_files("#id_roster", str(roster))
    press(page, "取り込む")
    staff.check("roster imported")
    main = page.locator("main").inner_text()
    assert "新規 1 人" in main and "4行目" in main, main  # hanako is a demo member already
    assert Member.objects.filter(organization__slug="tokyo", number="7654321").exists()

    with page.expect_navigation():
        page.get_by_role("link", name="書類の一括配信").click()
    archive = site.tmp / "payslips.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("1234567.pdf", b"%PDF-1.4\n% payslip\n")
    mapping = site.tmp / "map.csv"
    mapping.write_bytes("職員番号,ファイル名\n1234567,1234567.pdf\n".encode())
    page.fill("#id_title", "11月分 給与明細")
    page.set_input_files("#id_archive", str(archive))
    page.set_input_files("#id_mapping", str(mapping))
    press(page, "アップロードして配信する")
    staff.check("batch report")
    assert MailboxMessage.objects.filter(user__email="hanako@example.jp", subject="11月分 給与明細").exists()

    employee = open_page(javascript=True)  # phone
    harness.sign_in(employee, "hanako@example.jp", next_path="/mailbox/", check=False)
    employee.check("mailbox")
    with employee.page.expect_navigation():
        employee.page.get_by_role("link", name="11月分 給与明細").first.click()
    employee.check("payslip message")

    for rec in (staff, employee):
        rec.assert_no_problems()
