"""Scenario S14 (災害時都民台帳) in a browser, on the demo data:

新宿区's ledger staff send a file with a mistake, read the row/column message, send the fixed
file and read what changed; the prefecture runs matching, confirms an uncertain pair and reads
the totals (and drills into a cell); 中野区 reads the evacuees who came into its area. Every page
is checked with axe (WCAG 2.1 AA), the CSP and the page weight; the progress page also without
JavaScript.
"""

from __future__ import annotations

import re

import pyotp
from django.conf import settings

from madoguchi.demo import loader
from madoguchi.ledger.demo import EVENT_NAME
from madoguchi.ledger.models import DisasterEvent, MatchPair, Record
from madoguchi.ledger.writers import csv_bytes
from tests.browser import harness

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}
SHINJUKU = "shinjuku-daicho@example.jp"
TOKYO = "tokyo-daicho@example.jp"
NAKANO = "nakano-daicho@example.jp"
SEX = {"male": "男", "female": "女", "other": "その他"}


def ledger_sign_in(rec: harness.Recorder, email: str) -> None:
    """Password, then the TOTP code (the ledger needs a second factor), then the ledger."""
    page = rec.page
    rec.goto("/staff/login/?next=/ledger/")
    page.fill("#id_email", email)
    page.fill("#id_password", loader.staff_password())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert rec.path.startswith("/staff/login/verify/"), rec.path
    page.fill("#id_code", pyotp.TOTP(settings.DEMO_TOTP_SECRET).now())
    with page.expect_navigation():
        page.get_by_role("button", name="ログインする").click()
    assert rec.path == "/ledger/", rec.path


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def follow(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=name).first.click()


def shinjuku_rows() -> list[list[str]]:
    """新宿区's current snapshot as rows of the standard layout, plus one new person."""
    from madoguchi.ledger.protect import unseal

    event = DisasterEvent.objects.get(name=EVENT_NAME)
    rows = []
    for record in Record.objects.filter(event=event, municipality__slug="shinjuku", source="upload").order_by(
        "source_key"
    ):
        p = unseal(record.payload, event_id=event.pk)
        damage = "" if record.damage_level == "unassessed" else record.get_damage_level_display()
        support = [
            ""
            if getattr(record, f"support_{kind}") == "not_applied"
            else getattr(record, f"get_support_{kind}_display")()
            for kind in ("rebuilding", "condolence", "repair", "donation", "housing")
        ]
        rows.append(
            [record.source_key, p["name"], p["kana"], p["birth_date"], SEX.get(p["sex"], ""), p["address"]]
            + [
                p["current_address"],
                damage,
                p["certificate_number"],
                p["certificate_date"],
                p["shelter"],
                p["phone"],
            ]
            + ["はい" if p["needs_care"] else "", *support]
        )
    rows.append(
        ["SH-NEW-1", "架空 新太", "カクウ アラタ", "1999-09-09", "男", "東京都新宿区本町1-1-1", "", "半壊"]
        + [""] * 10
    )
    return rows


def test_s14_upload_fix_match_and_totals(open_page, site):
    event = DisasterEvent.objects.get(name=EVENT_NAME)
    base = f"/ledger/events/{event.pk}"

    # --- 新宿区: a file with a mistake, then the fixed file
    shinjuku = open_page(javascript=True, **DESKTOP)
    ledger_sign_in(shinjuku, SHINJUKU)
    shinjuku.check("ledger home")
    follow(shinjuku.page, EVENT_NAME)
    shinjuku.check("event (municipality)")
    follow(shinjuku.page, "台帳を送る")
    shinjuku.check("upload form")
    rows = shinjuku_rows()
    bad = [list(r) for r in rows]
    bad[2][3] = "平成32年1月1日"  # no such date: 平成 ended in its 31st year
    path = site.tmp / "shinjuku-bad.csv"
    path.write_bytes(csv_bytes(bad, encoding="cp932"))
    shinjuku.page.set_input_files("#id_file", str(path))
    press(shinjuku.page, "送信する")
    assert re.search(r"/uploads/\d+/$", shinjuku.path), shinjuku.path  # eager: already read
    text = shinjuku.page.inner_text("main")
    assert "4 行目" in text and "生年月日" in text and "平成32年1月1日" in text and "反映していません" in text
    shinjuku.check("upload with an error")
    follow(shinjuku.page, "直したファイルを送る")
    path = site.tmp / "shinjuku-fixed.csv"
    path.write_bytes(csv_bytes(rows, encoding="cp932"))
    shinjuku.page.set_input_files("#id_file", str(path))
    press(shinjuku.page, "送信する")
    text = shinjuku.page.inner_text("main")
    assert "反映済み" in text and "追加 1 件" in text and "変更 0 件" in text and "削除 0 件" in text, text
    shinjuku.check("upload applied (diff)")
    follow(shinjuku.page, "追加 1 件")
    assert "架空 新太" in shinjuku.page.inner_text("main")
    shinjuku.check("diff: added")
    shinjuku.goto(f"{base}/people/?show=out")
    shinjuku.check("people out of the area")
    shinjuku.assert_no_problems()

    # --- the prefecture: matching, an uncertain pair, totals
    tokyo = open_page(javascript=True, **DESKTOP)
    ledger_sign_in(tokyo, TOKYO)
    tokyo.goto(base + "/")
    tokyo.check("event (prefecture)")
    press(tokyo.page, "名寄せを実行する")
    assert "/jobs/" in tokyo.path
    tokyo.check("matching progress")
    follow(tokyo.page, "名寄せの確認")
    tokyo.check("review queue")
    pending = MatchPair.objects.filter(event=event, status="pending").count()
    assert pending >= 3
    follow(tokyo.page, "確認する")
    assert "点数の内訳" in tokyo.page.inner_text("main")
    tokyo.check("pair")
    tokyo.page.fill("#note", "電話で本人に確認")
    press(tokyo.page, "同一人物である")
    assert MatchPair.objects.filter(event=event, status="confirmed", note="電話で本人に確認").count() == 1
    follow(tokyo.page, "集計")
    text = tokyo.page.inner_text("main")
    people = Record.objects.filter(event=event, person__isnull=True).count() + event.persons.count()
    assert re.search(rf"合計\s.*\b{people}\b", text.replace("\n", " ")), (people, text[-400:])
    tokyo.check("totals")
    tokyo.page.locator("table.totals-table tbody td.num a").first.click()
    tokyo.page.wait_for_load_state("load")
    assert "/totals/people/" in tokyo.path
    tokyo.check("totals drill-down")
    follow(tokyo.page, "被災者の一覧")
    tokyo.check("people (prefecture)")
    tokyo.page.locator("main table a").first.click()
    tokyo.page.wait_for_load_state("load")
    tokyo.check("record")
    # roles are per event: the office gives one; a person who is not staff there is refused
    follow(tokyo.page, "担当者")
    assert NAKANO in tokyo.page.inner_text("main")
    tokyo.check("roles")
    tokyo.page.select_option("#id_organization", label="中野区")
    tokyo.page.fill("#id_email", SHINJUKU)
    press(tokyo.page, "担当を付ける")
    assert "職員として登録されている方" in tokyo.page.inner_text("main")
    assert tokyo.page.input_value("#id_email") == SHINJUKU
    tokyo.check("roles with an error")
    tokyo.assert_no_problems()

    # --- 中野区: the evacuees who came into its area, and the progress page without JavaScript
    nakano = open_page(javascript=False, width=320, height=640)
    ledger_sign_in(nakano, NAKANO)
    nakano.goto(f"{base}/people/?show=into")
    assert "新宿区" in nakano.page.inner_text("main")
    nakano.check("people into the area (320 px, no JS)")
    assert nakano.horizontal_overflow() == 0
    job = event.uploads.filter(organization__slug="nakano").first().job
    nakano.goto(f"{base}/jobs/{job.pk}/")
    nakano.check("progress page (no JS)")
    nakano.assert_no_problems()
