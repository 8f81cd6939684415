import pytest
from django.db import connection

from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import ledger_csv, ledger_row, ledger_xlsx
from madoguchi.ledger import services
from madoguchi.ledger.constants import UploadStatus
from madoguchi.ledger.models import ColumnMapping, EventMunicipality, Record, RowError
from madoguchi.ledger.protect import unseal

pytestmark = pytest.mark.django_db


def rows3():
    return [
        ledger_row("A1", name="架空 太郎", kana="カクウ タロウ"),
        ledger_row("A2", name="例示 花子", kana="れいじ はなこ", birth_date="昭和50年4月1日", sex="女"),
        ledger_row(
            "A3", name="見本 次郎", kana="ミホン ジロウ", damage_level="全壊", support_rebuilding="実施済"
        ),
    ]


def test_clean_utf8_file_becomes_the_municipality_snapshot(world, send):
    user, event = world["users"][0], world["event"]
    upload = send(user, event, ledger_csv(rows3()))
    assert upload.status == UploadStatus.APPLIED
    assert (upload.encoding, upload.added, upload.changed, upload.removed) == ("utf-8", 3, 0, 0)
    records = Record.objects.filter(event=event).order_by("source_key")
    assert [r.source_key for r in records] == ["A1", "A2", "A3"]
    second = records[1]
    assert unseal(second.payload, event_id=event.pk)["kana"] == "レイジ ハナコ"
    assert unseal(second.payload, event_id=event.pk)["birth_date"] == "1975-04-01"
    assert records[2].damage_level == "total" and records[2].support_rebuilding == "provided"
    assert (
        EventMunicipality.objects.get(event=event, organization=world["municipalities"][0]).current_upload
        == upload
    )
    assert AuditEntry.objects.filter(action="ledger.snapshot_replaced").count() == 1


def test_personal_fields_are_not_stored_in_clear(world, send):
    send(world["users"][0], world["event"], ledger_csv(rows3()))
    record = Record.objects.get(source_key="A1")
    assert "架空" not in record.payload and "カクウ" not in record.payload
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM ledger_record")
        dump = repr(cur.fetchall())
    assert "架空 太郎" not in dump and "1980-01-02" not in dump


def test_shift_jis_and_excel_files_are_read(world, send):
    user, event = world["users"][0], world["event"]
    upload = send(user, event, ledger_csv(rows3(), encoding="cp932"))
    assert (upload.status, upload.encoding) == (UploadStatus.APPLIED, "cp932")
    assert unseal(Record.objects.get(source_key="A1").payload, event_id=event.pk)["name"] == "架空 太郎"
    import datetime as dt

    xrows = [ledger_row("A1"), ledger_row("A2", birth_date=dt.datetime(1975, 4, 1))]
    xrows[0][0] = 101  # a number cell in Excel
    upload = send(user, event, ledger_xlsx(xrows), name="daicho.xlsx")
    assert (upload.status, upload.file_format) == (UploadStatus.APPLIED, "xlsx")
    assert sorted(Record.objects.values_list("source_key", flat=True)) == ["101", "A2"]


def test_errors_name_row_and_column_and_nothing_is_applied(world, send):
    user, event = world["users"][0], world["event"]
    send(user, event, ledger_csv(rows3()))
    bad = rows3() + [
        ledger_row("A4", birth_date="昭和70年1月1日"),
        ledger_row("A5", kana="山田"),
        ledger_row("A1", name="重複 さん"),
        ledger_row("A6", damage_level="たぶん全壊", phone="03-12"),
    ]
    upload = send(user, event, ledger_csv(bad))
    assert upload.status == UploadStatus.HAS_ERRORS
    problems = {(e.row_number, e.column) for e in RowError.objects.filter(upload=upload)}
    assert problems == {
        (5, "生年月日"),
        (6, "フリガナ"),
        (7, "台帳番号"),
        (8, "住家の被害状況"),
        (8, "連絡先"),
    }
    era = RowError.objects.get(upload=upload, row_number=5)
    assert (
        "存在しません" in era.message and unseal(era.sealed_value, event_id=event.pk)["v"] == "昭和70年1月1日"
    )
    assert "2行目と重複" in RowError.objects.get(upload=upload, row_number=7).message
    # the previous snapshot is untouched
    assert sorted(Record.objects.values_list("source_key", flat=True)) == ["A1", "A2", "A3"]
    assert upload.job.status == "done" and upload.job.errors == 5


def test_reupload_replaces_the_snapshot_and_reports_the_diff(world, send):
    user, event = world["users"][0], world["event"]
    send(user, event, ledger_csv(rows3()))
    first_ids = dict(Record.objects.values_list("source_key", "id"))
    new = [
        ledger_row("A1", name="架空 太郎", kana="カクウ タロウ"),  # unchanged
        ledger_row(
            "A2",
            name="例示 花子",
            kana="れいじ はなこ",
            birth_date="昭和50年4月1日",
            sex="女",
            damage_level="全壊",
        ),
        ledger_row("A9", name="追加 三郎", kana="ツイカ サブロウ"),
    ]
    upload = send(user, event, ledger_csv(new))
    assert (upload.added, upload.changed, upload.removed) == (1, 1, 1)
    assert {c.kind: c.source_key for c in upload.changes.all()} == {
        "added": "A9",
        "changed": "A2",
        "removed": "A3",
    }
    now = dict(Record.objects.values_list("source_key", "id"))
    assert now["A1"] == first_ids["A1"] and now["A2"] == first_ids["A2"]  # ids stay
    assert Record.objects.get(source_key="A2").damage_level == "total"


def test_a_failing_apply_changes_nothing(world, send, monkeypatch):
    user, event = world["users"][0], world["event"]
    send(user, event, ledger_csv(rows3()))
    from madoguchi.ledger.services import uploads

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(uploads, "persons_refresh", boom)
    with pytest.raises(RuntimeError):
        send(user, event, ledger_csv([ledger_row("Z1")]))
    assert sorted(Record.objects.values_list("source_key", flat=True)) == ["A1", "A2", "A3"]


def test_other_layout_is_mapped_once_and_remembered(world, send):
    user, event = world["users"][0], world["event"]
    header = ["番号", "なまえ", "よみ", "誕生日", "住民票の住所", "被害"]
    rows = [["1", "架空 太郎", "かくう たろう", "S55.1.2", "架空市本町1", "半壊"]]
    upload = send(user, event, ledger_csv(rows, header=header))
    assert upload.status == UploadStatus.NEEDS_MAPPING and upload.headers == header
    with pytest.raises(FieldErrors) as exc:
        services.upload_map_columns(
            user=user, event_id=event.pk, upload_id=upload.pk, mapping={"source_key": "番号"}
        )
    assert set(exc.value.errors) == {"name", "kana", "birth_date", "address"}
    mapping = {
        "source_key": "番号",
        "name": "なまえ",
        "kana": "よみ",
        "birth_date": "誕生日",
        "address": "住民票の住所",
        "damage_level": "被害",
    }
    from django.test.utils import CaptureQueriesContext  # noqa: F401

    services.upload_map_columns(user=user, event_id=event.pk, upload_id=upload.pk, mapping=mapping)
    from madoguchi.ledger.tasks import process_upload

    process_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.APPLIED and ColumnMapping.objects.count() == 1
    again = send(user, event, ledger_csv(rows, header=header))
    assert again.status == UploadStatus.APPLIED  # remembered: no mapping step


def test_only_the_municipality_itself_may_upload(world):
    pref_user, event = world["pref_user"], world["event"]
    with pytest.raises(FieldErrors):
        services.upload_create(
            user=pref_user,
            event_id=event.pk,
            organization_id=world["municipalities"][0].pk,
            name="a.csv",
            data=b"x",
        )
    with pytest.raises(FieldErrors):
        services.upload_create(
            user=world["users"][1],
            event_id=event.pk,
            organization_id=world["municipalities"][0].pk,
            name="a.csv",
            data=b"x",
        )


def test_unreadable_files_fail_with_a_message(world, send):
    upload = send(world["users"][0], world["event"], b"\xd0\xcf\x11\xe0old excel", name="a.xls")
    assert upload.status == UploadStatus.FAILED and ".xls" in upload.job.message


def test_the_plain_levels_are_written_exactly_as_json_writes_them():
    """rows.levels_json fills a template instead of encoding a dict per row; the content hash
    (and so the diff of every record stored before) depends on it being the same text."""
    import itertools
    import json

    from madoguchi.ledger.constants import DamageLevel, Sex, SupportStatus
    from madoguchi.ledger.rows import SUPPORT_KEYS, levels_json

    for damage, sex, care, status in itertools.product(DamageLevel, Sex, (True, False), SupportStatus):
        plain = {"damage_level": damage.value, "needs_care": care, "sex": sex.value}
        plain.update({key: status.value for key in SUPPORT_KEYS})
        plain[SUPPORT_KEYS[0]] = SupportStatus.PROVIDED.value
        assert levels_json(plain) == json.dumps(plain, ensure_ascii=False, sort_keys=True)
