import io

import pytest
from openpyxl import load_workbook

from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import ledger_csv, ledger_row, make_ledger_event
from madoguchi.ledger.selectors import access_event
from madoguchi.ledger.selectors.totals import HIDDEN, suppress, totals_table
from madoguchi.ledger.services.matching import matching_start
from madoguchi.ledger.tests.test_matching import kakuu_rows, reiji_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(db, send, django_capture_on_commit_callbacks):
    """架空市 (home of the evacuee), 例示町 (where he is), 見本村 (unrelated), matched."""
    world = make_ledger_event(names=("架空市", "例示町", "見本村"))
    send(world["users"][0], world["event"], ledger_csv(kakuu_rows()))
    send(world["users"][1], world["event"], ledger_csv(reiji_rows()))
    send(
        world["users"][2],
        world["event"],
        ledger_csv([ledger_row("M1", name="見本 村子", kana="ミホン ムラコ", address="見本村1")]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        matching_start(user=world["pref_user"], event_id=world["event"].pk)
    return world


def get(client, user, path):
    client.force_login(user)
    return client.get(path)


def test_each_municipality_sees_its_own_and_its_evacuees_with_limited_fields(client, three):
    event = three["event"]
    base = f"/ledger/events/{event.pk}"
    from madoguchi.ledger.models import Record

    k1 = Record.objects.get(source_key="K1")  # 架空市's record, shelter in 例示町
    r1 = Record.objects.get(source_key="R1")
    reiji, mihon, kakuu = three["users"][1], three["users"][2], three["users"][0]
    # 例示町 sees 架空市's record of the evacuee (into its area), without support or 罹災証明書
    page = get(client, reiji, f"{base}/people/?show=into").content.decode()
    assert "髙橋 一郎" in page and "山田 花子" not in page
    detail, others = (
        get(client, reiji, f"{base}/records/{k1.pk}/").content.decode().split("同じ方の他の情報源")
    )
    assert "髙橋 一郎" in detail and "罹災証明書番号" not in detail and "被災者生活再建支援金" not in detail
    assert "例示町" in others and "被災者生活再建支援金" in others  # its own record of him, in full
    # 架空市 sees 例示町's record of its resident (out of its area) and, on its own record, both sources
    assert "高橋 一郎" in get(client, kakuu, f"{base}/people/?show=out").content.decode()
    own = get(client, kakuu, f"{base}/records/{k1.pk}/").content.decode()
    assert "同じ方の他の情報源" in own and "例示町" in own and "被災者生活再建支援金" in own
    # 見本村 has nothing to do with them: 404
    assert get(client, mihon, f"{base}/records/{k1.pk}/").status_code == 404
    assert get(client, mihon, f"{base}/records/{r1.pk}/").status_code == 404
    assert "髙橋" not in get(client, mihon, f"{base}/people/?show=into").content.decode()
    # 例示町 cannot see 架空市's other residents
    k3 = Record.objects.get(source_key="K3")
    assert get(client, reiji, f"{base}/records/{k3.pk}/").status_code == 404


def test_every_view_and_export_is_audited(client, three):
    base = f"/ledger/events/{three['event'].pk}"
    user = three["users"][1]
    before = AuditEntry.objects.count()
    get(client, user, f"{base}/people/?show=into")
    response = get(client, user, f"{base}/people.csv?show=into")
    content = b"".join(response.streaming_content)  # handed out through core.downloads
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert "髙橋 一郎" in text and "罹災証明書番号" not in text.splitlines()[0]
    actions = list(AuditEntry.objects.filter(id__gt=before).values_list("action", "after__what", "actor_id"))
    assert ("ledger.viewed", "people", user.pk) in actions
    assert ("ledger.exported", "export_people", user.pk) in actions


def test_totals_count_a_person_once_and_drill_down(client, three):
    access = access_event(user=three["pref_user"], event_id=three["event"].pk)
    table = totals_table(access=access, kind="rebuilding")
    # 架空市 4 + 例示町 4 + 見本村 1 records; K1=R1 and K4=R4 merged → 7 people
    assert table.grand_total == 7
    by_name = {b.municipality.name: b.total for b in table.blocks}
    assert by_name == {"架空市": 4, "例示町": 2, "見本村": 1}
    base = f"/ledger/events/{three['event'].pk}"
    page = get(client, three["pref_user"], f"{base}/totals/").content.decode()
    assert "架空市" in page and f"{base}/totals/people/?municipality=" in page
    kakuu = three["municipalities"][0].pk
    drill = get(
        client,
        three["pref_user"],
        f"{base}/totals/people/?municipality={kakuu}&damage=half&kind=rebuilding&status=not_applied",
    )
    html = drill.content.decode()
    assert drill.status_code == 200 and "髙橋 一郎" in html and "例示町" in html  # both sources shown
    # a municipality cannot drill into another's cells
    other = get(
        client,
        three["users"][2],
        f"{base}/totals/people/?municipality={kakuu}&damage=half&kind=rebuilding&status=not_applied",
    )
    assert other.status_code == 404


def test_exports_hide_small_cells_and_cells_that_would_reveal_them(client, three, settings):
    settings.LEDGER_SUPPRESS_BELOW = 5
    base = f"/ledger/events/{three['event'].pk}"
    exported = get(client, three["pref_user"], f"{base}/totals.csv?kind=rebuilding")
    assert (
        exported["Content-Disposition"].startswith("attachment")
        and exported["Cache-Control"] == "private, no-store"
    )
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    body = [line.split(",") for line in text.splitlines()[1:] if line and not line.startswith("＊")]
    numbers = [cell for row in body for cell in row[2:] if cell]
    assert numbers and all(cell == "＊" or cell == "0" or int(cell) >= 5 for cell in numbers)
    xlsx = get(client, three["pref_user"], f"{base}/totals.xlsx?kind=rebuilding")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [
        c for row in sheet.iter_rows(min_row=3, values_only=True) for c in row[2:] if c not in (None, "")
    ]
    assert all(v == "＊" or v == 0 or (isinstance(v, int) and v >= 5) for v in values)
    assert AuditEntry.objects.filter(action="ledger.exported", after__what="export_totals_xlsx").exists()


def test_secondary_suppression_leaves_no_line_with_a_single_hidden_cell():
    from madoguchi.ledger.selectors.totals import Block, Table

    class Org:
        name = "x"
        pk = 1

    block = Block(municipality=Org())
    block.rows = [
        {"cells": [2, 10, 0, 7], "total": 19},
        {"cells": [6, 6, 6, 6], "total": 24},
    ]
    block.subtotal, block.total = [8, 16, 6, 13], 43
    table = Table("k", "k", [], [block], [8, 16, 6, 13], 43)
    suppress(table, 5)
    grid = [r["cells"] + [r["total"]] for r in block.rows] + [block.subtotal + [block.total]]
    assert grid[0][0] is HIDDEN
    for line in grid + [list(col) for col in zip(*grid, strict=True)]:
        assert sum(v is HIDDEN for v in line) != 1
