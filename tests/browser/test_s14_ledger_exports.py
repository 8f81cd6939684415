"""Scenario S14 (災害時都民台帳): the totals as the bureaus receive them, downloaded in a browser.

The prefecture's ledger staff read the totals, download the Excel and CSV files and open them
(openpyxl, as a bureau's Excel would): the same table, small cells hidden with «＊», the
Excel file a real workbook, the CSV with a BOM; both downloads are in the audit log. The same in
English. A municipality's ledger staff read totals of their own municipality only. axe, the CSP
and the page weight on every page through the harness.
"""

from __future__ import annotations

import csv
import io
import re

from django.conf import settings
from openpyxl import load_workbook

from madoguchi.ledger.demo import EVENT_NAME
from madoguchi.ledger.models import DisasterEvent
from tests.browser import harness
from tests.browser.test_s14_ledger import NAKANO, TOKYO, ledger_sign_in

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}


def download(rec: harness.Recorder, link: str) -> bytes:
    with rec.page.expect_download() as event:
        rec.page.get_by_role("link", name=link, exact=True).first.click()
    with open(event.value.path(), "rb") as handle:
        return handle.read()


def table_cells(rows: list[list]) -> list:
    """The counts of an exported table (every column after 区市町村 and 住家の被害状況)."""
    return [cell for row in rows for cell in row[2:]]


def test_s14_totals_exports_open_as_the_table_with_small_cells_hidden(open_page, site):
    from madoguchi.accounts.models import User
    from madoguchi.audit.models import AuditEntry

    event = DisasterEvent.objects.get(name=EVENT_NAME)
    base = f"/ledger/events/{event.pk}"
    tokyo = open_page(javascript=True, **DESKTOP)
    ledger_sign_in(tokyo, TOKYO)
    tokyo.goto(f"{base}/totals/")
    tokyo.check("totals")
    grand = tokyo.page.locator("table.totals-table tbody tr").last.locator("td.num").last.inner_text()

    book = load_workbook(io.BytesIO(download(tokyo, "Excel")))
    sheet = book.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert EVENT_NAME in rows[0][0]
    header = rows[1]
    assert header[:2] == ["区市町村", "住家の被害状況"] and header[-1] == "計"
    body = [row for row in rows[2:] if row and row[0] and not str(row[0]).startswith("＊")]
    total_row = next(row for row in body if row[0] == "合計")
    counts = table_cells(body)
    assert all(isinstance(c, int) or c == "＊" for c in counts), counts
    small = settings.LEDGER_SUPPRESS_BELOW
    assert not [c for c in counts if isinstance(c, int) and 0 < c < small], "no small cell leaves the ledger"
    assert "＊" in counts, "the demo's small cells are hidden"
    if int(grand) >= small:
        assert total_row[-1] == int(grand)  # the grand total as on the screen
    assert any(str(row[0]).startswith("＊:") for row in rows if row and row[0]), "the note says what ＊ is"
    for municipality in ("新宿区", "中野区", "杉並区"):
        assert any(row[0] == municipality and row[1] == "小計" for row in body), municipality

    data = download(tokyo, "CSV")
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == header
    assert [line for line in lines[1:] if line and line[0] == "合計"][0][2:] == [
        str(c) for c in total_row[2:]
    ]
    user = User.objects.get(email=TOKYO)
    exported = AuditEntry.objects.filter(action="ledger.exported", actor_id=user.pk)
    assert {e.after["what"] for e in exported} >= {"export_totals_xlsx", "export_totals_csv"}
    tokyo.assert_no_problems()

    # the same signed-in staff member switches the page to English
    tokyo.page.context.add_cookies([{"name": "django_language", "value": "en", "url": site.url}])
    tokyo.goto(f"{base}/totals/")
    tokyo.check("totals in English")
    assert "Totals" in tokyo.page.inner_text("h1")
    sheet = load_workbook(io.BytesIO(download(tokyo, "Excel"))).active
    header = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[0] == "Municipality" and header[-1] == "Total", header
    tokyo.assert_no_problems()

    nakano = open_page(javascript=False, width=320, height=640)
    ledger_sign_in(nakano, NAKANO)
    nakano.goto(f"{base}/totals/")
    nakano.check("totals (municipality, 320 px, no JS)")
    shown = nakano.page.inner_text("table.totals-table tbody")
    assert "中野区" in shown and not re.search("新宿区|杉並区", shown), shown
    nakano.assert_no_problems()
