"""一括提出: CSV (Shift_JIS, UTF-8 with BOM) and xlsx, per-row/column errors, confirm once."""

import io

import pytest
from openpyxl import Workbook

from madoguchi.accounts.constants import Role
from madoguchi.applications.bulk import bulk_columns, bulk_upload_check, bulk_upload_confirm, template_csv
from madoguchi.applications.constants import Channel
from madoguchi.applications.models import Application
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.core.testing import make_organization, make_procedure, make_staff
from madoguchi.procedures.fields.identity import reveal

pytestmark = pytest.mark.django_db

DEFINITION = {
    "steps": [
        {
            "key": "member",
            "title": "組合員",
            "fields": [
                {"key": "name", "type": "name", "label": "氏名", "required": True},
                {"key": "birth", "type": "date", "label": "生年月日", "required": True},
                {"key": "acquired", "type": "date", "label": "資格取得日", "required": True},
                {
                    "key": "kind",
                    "type": "select",
                    "label": "区分",
                    "required": True,
                    "options": [
                        {"value": "regular", "label": "一般組合員"},
                        {"value": "short", "label": "短期組合員"},
                    ],
                },
                {"key": "my", "type": "mynumber", "label": "個人番号", "required": True},
            ],
            "checks": [
                {"rule": "acquired >= birth", "message": "資格取得日は生年月日より後にしてください。"}
            ],
        }
    ]
}
HEADER = "氏名（姓）,氏名（名）,氏名（セイ（フリガナ））,氏名（メイ（フリガナ））,生年月日,資格取得日,区分,個人番号\r\n"
GOOD = "山田,太郎,やまだ,たろう,昭和60年4月1日,2024/4/1,一般組合員,123456789018\r\n"
BAD = "鈴木,,スズキ,ハナコ,2030-01-01,2024-04-01,臨時,123456789012\r\n"


@pytest.fixture
def setup():
    union = make_organization(name="共済組合")
    office = make_organization(name="所属所")
    procedure = make_procedure(union, definition=DEFINITION, title="組合員資格取得届")
    procedure.bulk_submitters.add(office)
    return procedure, make_staff(office, role=Role.COUNTER)


def test_the_template_has_one_column_per_input(setup):
    procedure, _clerk = setup
    assert template_csv(procedure.current_version.definition).decode("utf-8-sig") == HEADER
    assert [c.path for c in bulk_columns(DEFINITION)][:2] == ["name.family", "name.given"]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig"])
def test_good_and_bad_rows_are_reported_per_row_and_column(setup, encoding):
    procedure, clerk = setup
    data = (HEADER + GOOD + BAD).encode(encoding)
    upload, created = bulk_upload_check(actor=clerk, procedure=procedure, file_name="members.csv", data=data)
    assert created and (upload.total_rows, upload.valid_rows) == (2, 1)
    assert upload.encoding == ("Shift_JIS" if encoding == "cp932" else "UTF-8 (BOM)")
    good, bad = upload.rows.order_by("number")
    assert good.number == 2 and good.errors == {}
    assert good.data["name"]["family_kana"] == "ヤマダ" and good.data["birth"] == "1985-04-01"
    assert bad.number == 3
    assert set(bad.errors) == {"氏名（名）", "区分", "個人番号", "資格取得日"}
    assert bad.errors["区分"] == ["区分は一覧から選んでください。"]
    assert "123456789012" not in str(bad.data) and "123456789018" not in str(good.data)
    assert reveal(good.data["my"]) == "123456789018"


def test_a_cross_field_check_fails_on_its_row(setup):
    procedure, clerk = setup
    row = "佐藤,一郎,サトウ,イチロウ,2000-01-01,1999-12-31,短期組合員,123456789018\r\n"
    upload, _ = bulk_upload_check(
        actor=clerk, procedure=procedure, file_name="a.csv", data=(HEADER + row).encode()
    )
    assert upload.rows.get().errors == {"資格取得日": ["資格取得日は生年月日より後にしてください。"]}


def test_only_confirming_creates_applications_and_the_same_file_twice_creates_nothing(setup):
    procedure, clerk = setup
    data = (HEADER + GOOD + BAD).encode("cp932")
    upload, _ = bulk_upload_check(actor=clerk, procedure=procedure, file_name="members.csv", data=data)
    assert Application.objects.count() == 0
    assert bulk_upload_confirm(actor=clerk, upload=upload) == 1
    application = Application.objects.get()
    assert application.channel == Channel.BULK and application.entered_by == clerk
    assert bulk_upload_confirm(actor=clerk, upload=upload) == 0
    again, created = bulk_upload_check(actor=clerk, procedure=procedure, file_name="copy.csv", data=data)
    assert not created and again == upload
    assert Application.objects.count() == 1


def test_excel_files_are_read_too(setup):
    procedure, clerk = setup
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    import datetime as dt

    sheet.append(
        [
            "山田",
            "花子",
            "ヤマダ",
            "ハナコ",
            dt.datetime(1990, 5, 1),
            "2024-04-01",
            "短期組合員",
            "123456789018",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    upload, _ = bulk_upload_check(actor=clerk, procedure=procedure, file_name="m.xlsx", data=out.getvalue())
    row = upload.rows.get()
    assert upload.encoding == "xlsx" and row.errors == {} and row.data["birth"] == "1990-05-01"


def test_unknown_columns_and_strangers_are_refused(setup):
    procedure, clerk = setup
    with pytest.raises(FieldErrors) as info:
        bulk_upload_check(actor=clerk, procedure=procedure, file_name="a.csv", data="氏名,電話\r\n".encode())
    assert "「氏名」「電話」" in info.value.as_dict()["file"][0]
    stranger = make_staff(make_organization(), role=Role.OWNER)
    with pytest.raises(PermissionDeniedError):
        bulk_upload_check(
            actor=stranger, procedure=procedure, file_name="a.csv", data=(HEADER + GOOD).encode()
        )


# ---------------------------------------------------------------------------- bounded reading (issue 11, item 6)


@pytest.fixture
def rows_read(monkeypatch):
    """Counts the rows openpyxl's sheet parser and the csv reader hand out."""
    import csv

    from openpyxl.worksheet._reader import WorkSheetParser

    count = {"xlsx": 0, "csv": 0}
    parse = WorkSheetParser.parse

    def counting_parse(self):
        for row in parse(self):
            count["xlsx"] += 1
            yield row

    reader = csv.reader

    def counting_reader(*args, **kwargs):
        for row in reader(*args, **kwargs):
            count["csv"] += 1
            yield row

    monkeypatch.setattr(WorkSheetParser, "parse", counting_parse)
    monkeypatch.setattr(csv, "reader", counting_reader)
    return count


def xlsx_of(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_spreadsheet_with_too_many_rows_is_refused_after_reading_only_the_allowed_rows(
    setup, rows_read, monkeypatch
):
    from madoguchi.applications import bulk

    procedure, clerk = setup
    monkeypatch.setattr(bulk, "MAX_ROWS", 20)
    data = xlsx_of([HEADER.strip().split(","), *([GOOD.strip().split(",")] * 2000)])
    with pytest.raises(FieldErrors) as info:
        bulk_upload_check(actor=clerk, procedure=procedure, file_name="big.xlsx", data=data)
    assert info.value.as_dict()["file"] == ["1つのファイルは20行までです。"]
    assert rows_read["xlsx"] <= 22  # the header, 20 rows, and the one too many — not 2,001


def test_a_spreadsheet_of_millions_of_cells_stops_at_the_cell_limit(setup, rows_read, monkeypatch):
    from madoguchi.applications import bulk

    procedure, clerk = setup
    monkeypatch.setattr(bulk, "MAX_CELLS", 5_000)
    wide = ["x"] * 1_000  # 1,000 columns × 300 rows: 300,000 cells in a small file
    data = xlsx_of([wide] * 300)
    with pytest.raises(FieldErrors) as info:
        bulk_upload_check(actor=clerk, procedure=procedure, file_name="wide.xlsx", data=data)
    assert "セルが多すぎます" in info.value.as_dict()["file"][0]
    assert rows_read["xlsx"] <= 6  # 5,000 cells are 5 rows of 1,000


def test_an_xlsx_that_unpacks_to_more_than_the_limit_is_refused_before_its_sheet_is_read(
    setup, rows_read, monkeypatch
):
    from madoguchi.applications import bulk

    procedure, clerk = setup
    monkeypatch.setattr(bulk, "MAX_XLSX_UNPACKED_BYTES", 10_000)
    data = xlsx_of([HEADER.strip().split(","), *([GOOD.strip().split(",")] * 200)])
    with pytest.raises(FieldErrors) as info:
        bulk_upload_check(actor=clerk, procedure=procedure, file_name="bomb.xlsx", data=data)
    assert "セルが多すぎます" in info.value.as_dict()["file"][0]
    assert rows_read["xlsx"] == 0


def test_a_csv_with_too_many_rows_or_cells_is_refused_early(setup, rows_read, monkeypatch):
    from madoguchi.applications import bulk

    procedure, clerk = setup
    monkeypatch.setattr(bulk, "MAX_ROWS", 20)
    data = (HEADER + GOOD * 3000).encode("utf-8")
    with pytest.raises(FieldErrors) as info:
        bulk_upload_check(actor=clerk, procedure=procedure, file_name="big.csv", data=data)
    assert info.value.as_dict()["file"] == ["1つのファイルは20行までです。"]
    assert rows_read["csv"] <= 22
    monkeypatch.setattr(bulk, "MAX_CELLS", 1_000)
    rows_read["csv"] = 0
    wide = ("," * 999 + "\r\n") * 100  # 100 rows of 1,000 empty cells
    with pytest.raises(FieldErrors) as info:
        bulk_upload_check(actor=clerk, procedure=procedure, file_name="wide.csv", data=wide.encode())
    assert "セルが多すぎます" in info.value.as_dict()["file"][0]
    assert rows_read["csv"] <= 2


def test_blank_rows_between_the_data_do_not_count_towards_the_row_limit(setup, monkeypatch):
    from madoguchi.applications import bulk

    procedure, clerk = setup
    monkeypatch.setattr(bulk, "MAX_ROWS", 2)
    data = (HEADER + GOOD + ",,,,,,,\r\n" * 50 + GOOD.replace("太郎", "次郎")).encode("utf-8")
    upload, _ = bulk_upload_check(actor=clerk, procedure=procedure, file_name="gaps.csv", data=data)
    assert upload.total_rows == 2


# S2 (issue 13): the 受付 notice reaches each member, not the 所属所 clerk who uploaded
MEMBER_DEFINITION = {
    "steps": [
        {
            "key": "member",
            "title": "組合員",
            "fields": [
                {"key": "member_number", "type": "text", "label": "組合員番号", "required": True},
                {"key": "name", "type": "name", "label": "氏名", "required": True},
                {"key": "email", "type": "email", "label": "メールアドレス", "required": True},
            ],
        }
    ]
}
MEMBER_HEADER = (
    "組合員番号,氏名（姓）,氏名（名）,氏名（セイ（フリガナ））,氏名（メイ（フリガナ））,メールアドレス\r\n"
)


def test_each_row_becomes_the_members_application_and_the_receipt_goes_to_the_member(
    django_capture_on_commit_callbacks,
):
    from madoguchi.accounts.models import User
    from madoguchi.core.testing import make_user
    from madoguchi.notifications.models import Member, Notification

    union = make_organization(name="共済組合")
    office = make_organization(name="所属所")
    procedure = make_procedure(union, definition=MEMBER_DEFINITION, title="組合員資格取得届")
    procedure.bulk_submitters.add(office)
    clerk = make_staff(office, role=Role.COUNTER)
    known = make_user("known@example.jp")
    Member.objects.create(organization=union, number="11112222", user=known)
    rows = (
        "11112222,山田,太郎,ヤマダ,タロウ,other-address@example.jp\r\n"  # registered member: by number
        "33334444,鈴木,花子,スズキ,ハナコ,new-member@example.jp\r\n"  # no account yet: by e-mail
    )
    upload, _ = bulk_upload_check(
        actor=clerk, procedure=procedure, file_name="m.csv", data=(MEMBER_HEADER + rows).encode()
    )
    assert [r.errors for r in upload.rows.order_by("number")] == [{}, {}]
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_upload_confirm(actor=clerk, upload=upload) == 2
    new_member = User.objects.get(email="new-member@example.jp")
    applicants = set(Application.objects.values_list("applicant_id", flat=True))
    assert applicants == {known.pk, new_member.pk}
    assert set(Application.objects.values_list("entered_by_id", flat=True)) == {clerk.pk}
    told = set(
        Notification.objects.filter(event="application.submitted").values_list("recipient_id", flat=True)
    )
    assert told == {known.pk, new_member.pk}
