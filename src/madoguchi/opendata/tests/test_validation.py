"""The 機械可読性 rules and the Table Schema check of uploaded tables, with rows and columns."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from openpyxl.comments import Comment

from madoguchi.opendata.validation import local_government_code_valid, table_check


def csv_bytes(text: str, encoding: str = "utf-8-sig") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def xlsx(rows, *, merge: str = "", comment_at: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    if comment_at:
        sheet[comment_at].comment = Comment("メモ", "職員")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def where(table):
    return {(p.row, p.column) for p in table.problems}


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("130001", True),
        ("131041", True),
        ("011002", True),
        ("131040", False),
        ("13104", False),
        ("1310４1", False),
    ],
)
def test_local_government_codes_need_their_check_digit(code, valid):
    assert local_government_code_valid(code) is valid


def test_a_clean_shift_jis_csv_passes_with_its_types_inferred():
    table = table_check(
        csv_bytes(
            "団体コード,避難所,収容人数,開設日\n131041,新宿小学校,300,2026-04-01\n011002,札幌中学校,250,2026-05-10\n",
            "cp932",
        ),
        file_name="shelters.csv",
    )
    assert table.problems == []
    assert table.encoding == "cp932"
    assert table.header == ["団体コード", "避難所", "収容人数", "開設日"]
    assert table.rows[1] == ["011002", "札幌中学校", 250, "2026-05-10"]
    types = {f["name"]: f["type"] for f in table.schema["fields"]}
    assert types == {"団体コード": "string", "避難所": "string", "収容人数": "integer", "開設日": "date"}


def test_each_rule_is_reported_at_its_row_and_column():
    text = (
        "団体コード,避難所,収容人数,開設日\n"
        "131040,新宿小学校,300,2026-04-01\n"  # check digit wrong
        "131041, 新宿中学校,1,200,2026-04-02\n"  # a comma splits the number: a cell past the header
        "131041,新宿高校,250人,2026/4/3\n"  # a unit, a date not ISO
        "131041,㈱新宿会館,３００,令和8年4月4日\n"  # 機種依存文字, full-width digits, 和暦
        "\n"
        "131041,大久保小学校,100,2026-04-05\n"  # after a blank row
        "※ 収容人数は目安です,,,\n"
    )
    table = table_check(csv_bytes(text), file_name="x.csv")
    found = where(table)
    assert (2, "団体コード") in found
    assert (3, "E") in found
    assert (4, "収容人数") in found and (4, "開設日") in found
    assert (5, "避難所") in found and (5, "収容人数") in found and (5, "開設日") in found
    assert (6, None) in found  # the blank row
    assert (8, None) in found  # the note below the table
    assert table.rows == []  # nothing is published while a problem remains
    assert all("行目" in m for m in table.messages)


def test_header_rules_title_line_empty_and_duplicate_names():
    titled = table_check(csv_bytes("令和8年度 避難所一覧,,\n名前,人数,日付\n"), file_name="x.csv")
    assert [p.row for p in titled.problems] == [1]
    assert "表題" in titled.problems[0].message
    bad = table_check(csv_bytes("名前,,名前\na,b,c\n"), file_name="x.csv")
    assert where(bad) == {(1, "B"), (1, "名前")}


def test_a_workbook_with_merged_cells_and_a_comment_is_refused_and_dates_become_iso():
    merged = table_check(
        xlsx([["地区", "人口"], ["北", 10], ["南", 20]], merge="A2:A3", comment_at="B2"), file_name="x.xlsx"
    )
    assert where(merged) == {(2, "地区"), (2, "人口")}
    good = table_check(xlsx([["日付", "件数"], [dt.datetime(2026, 4, 1), 12.0]]), file_name="x.xlsx")
    assert good.problems == []
    assert good.rows == [["2026-04-01", 12]]


def test_a_new_version_must_keep_the_columns_and_types_of_the_schema():
    first = table_check(csv_bytes("名前,人数\na,1\n"), file_name="x.csv")
    renamed = table_check(csv_bytes("名称,人数\na,1\n"), file_name="x.csv", schema=first.schema)
    assert [p.row for p in renamed.problems] == [1]
    wrong_type = table_check(
        csv_bytes("名前,人数\na,1\nb,たくさん\n"), file_name="x.csv", schema=first.schema
    )
    assert where(wrong_type) == {(3, "人数")}


def test_files_that_are_not_tables_are_refused_with_one_message():
    assert len(table_check(b"\xd0\xcf\x11\xe0" + b"\0" * 20, file_name="old.xls").problems) == 1
    assert len(table_check(b"%PDF-1.7", file_name="x.pdf").problems) == 1
    assert len(table_check(b"PK\x03\x04broken", file_name="x.xlsx").problems) == 1
