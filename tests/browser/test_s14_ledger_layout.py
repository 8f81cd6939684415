"""Scenario S14 (災害時都民台帳): a municipality sends its 被災者台帳 as Excel in its own layout.

杉並区's ledger staff send an .xlsx whose headers are not the standard ones; the page asks which
column is which (saving without the required ones shows the messages next to them), reads the
file with that mapping and applies it; the next file with the same header row is read without
asking. axe, the CSP and the page weight on every page through the harness.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook

from madoguchi.ledger.demo import EVENT_NAME
from madoguchi.ledger.models import ColumnMapping
from tests.browser import harness
from tests.browser.test_s14_ledger import follow, ledger_sign_in, press

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}
SUGINAMI = "suginami-daicho@example.jp"
HEADER = ["管理No", "お名前", "よみがな", "誕生日", "住所地", "被害"]


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS = [
    ["SG-X1", "架空 一郎", "かくう いちろう", "昭和55年5月5日", "東京都杉並区阿佐谷南一丁目1番1号", "半壊"],
    ["SG-X2", "例示 花子", "レイジ ハナコ", "1990-02-03", "東京都杉並区高円寺北2-2-2", ""],
]


def test_s14_an_excel_file_in_its_own_layout_is_mapped_once_on_screen(open_page, site):
    rec = open_page(javascript=False, **DESKTOP)
    ledger_sign_in(rec, SUGINAMI)
    follow(rec.page, EVENT_NAME)
    follow(rec.page, "台帳を送る")
    path = site.tmp / "suginami-own-layout.xlsx"
    path.write_bytes(workbook(ROWS))
    rec.page.set_input_files("#id_file", str(path))
    press(rec.page, "送信する")
    assert rec.path.endswith("/columns/"), rec.path
    rec.check("column mapping")
    press(rec.page, "保存して読み取る")
    assert rec.page.locator(".field-error").count() >= 1, "the required columns are asked for"
    rec.check("column mapping with errors")
    for key, header in {
        "source_key": "管理No",
        "name": "お名前",
        "kana": "よみがな",
        "birth_date": "誕生日",
        "address": "住所地",
        "damage_level": "被害",
    }.items():
        rec.page.select_option(f"#map-{key}", header)
    press(rec.page, "保存して読み取る")
    assert re.search(r"/uploads/\d+/$", rec.path), rec.path
    text = rec.page.inner_text("main")
    assert "反映済み" in text and "追加 2 件" in text, text
    rec.check("own layout applied")
    assert ColumnMapping.objects.filter(organization__slug="suginami").exists()

    changed = [list(r) for r in ROWS]
    changed[1][5] = "全壊"
    path = site.tmp / "suginami-own-layout-2.xlsx"
    path.write_bytes(workbook(changed))
    follow(rec.page, "台帳を送る")
    rec.page.set_input_files("#id_file", str(path))
    press(rec.page, "送信する")
    assert not rec.path.endswith("/columns/"), "the same header row is read without asking again"
    text = rec.page.inner_text("main")
    assert "反映済み" in text and "変更 1 件" in text and "追加 0 件" in text, text
    rec.check("same layout read without asking")
    rec.assert_no_problems()
