"""XLSForm import: forms as ODK and Kobo write them become definitions; problems reported by sheet, row and column."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.tests.xlsform.samples import (
    HOUSEHOLD,
    KOBO,
    problems_of,
    workbook,
)
from madoguchi.procedures.validation import validate_all
from madoguchi.procedures.xlsform import definition_from_xlsform


def test_a_two_language_form_with_groups_repeats_and_cascading_choices_becomes_a_definition():
    definition, settings = definition_from_xlsform(HOUSEHOLD)
    assert settings["form_title"] == "世帯調査"
    assert check_definition(definition) == []
    household, people = definition["steps"]
    assert (household["key"], household["title"], household["title_en"]) == ("household", "世帯", "Household")
    head, members, pref, city = household["fields"]
    assert head == {
        "key": "head",
        "type": "text",
        "label": "世帯主の名前",
        "label_en": "Head of household",
        "help_en": "As on the register",
        "required": True,
    }
    assert members["default"] == "1"
    assert household["checks"] == [
        {
            "rule": "members >= 1 and members <= 20",
            "message": "1〜20人で入力してください。",
            "field": "members",
        }
    ]
    assert pref["type"] == "select" and pref["options"][0] == {
        "value": "tokyo",
        "label": "東京都",
        "label_en": "Tokyo",
    }
    assert city["choice_filter"] == {"column": "pref", "field": "pref"}
    assert city["options"][2]["filter"] == {"pref": "osaka"}
    assert people["show_if"] == {"expr": "members > 1"}
    member, total, thanks = people["fields"]
    assert member["type"] == "group" and [f["key"] for f in member["fields"]] == ["member_name", "member_age"]
    assert total == {
        "key": "total_age",
        "type": "computed",
        "label": "total_age",
        "expression": "sum(member.member_age)",
        "format": "number",
    }
    assert (
        thanks["type"] == "info"
        and thanks["text"] == "ありがとうございました。"
        and thanks["text_en"] == "Thank you."
    )


def test_an_imported_form_validates_answers_including_its_constraints_and_cascading_choices():
    definition, _settings = definition_from_xlsform(HOUSEHOLD)
    context = ValidationContext()
    good = {
        "head": "山田",
        "members": "2",
        "pref": "tokyo",
        "city": "shinjuku",
        "member": [{"member_name": "花子", "member_age": "8"}],
    }
    cleaned = validate_all(definition, good, context=context)
    assert cleaned["total_age"] == 8
    with pytest.raises(FieldErrors) as info:
        validate_all(definition, {**good, "members": "30", "city": "sakai"}, context=context)
    errors = info.value.as_dict()
    assert errors["members"] == ["1〜20人で入力してください。"]
    assert "前の答えに合うもの" in errors["city"][0]


def test_a_plain_form_without_groups_becomes_one_step_named_after_the_form():
    data = workbook(
        survey=[
            ["type", "name", "label", "required"],
            ["text", "name", "氏名", "yes"],
            ["date", "birth", "生年月日", ""],
        ],
        settings=[["form_title"], ["簡単な申請"]],
    )
    definition, _settings = definition_from_xlsform(data)
    assert [s["title"] for s in definition["steps"]] == ["簡単な申請"]
    assert [f["type"] for f in definition["steps"][0]["fields"]] == ["text", "date"]


def test_japanese_types_travel_in_the_bind_column():
    data = workbook(
        survey=[
            ["type", "name", "label", "bind::madoguchi:type"],
            ["text", "applicant", "氏名", "name"],
            ["text", "home", "住所", "address"],
            ["text", "zip", "郵便番号", "postal_code"],
            ["text", "tel", "電話番号", "phone"],
            ["text", "corp", "法人番号", "corporate_number"],
            ["text", "my", "個人番号", "mynumber"],
            ["text", "bank", "口座", "bank_account"],
            ["date", "born", "生年月日（和暦でも可）", "date"],
        ]
    )
    definition, _settings = definition_from_xlsform(data)
    assert [f["type"] for f in definition["steps"][0]["fields"]] == [
        "name",
        "address",
        "postal_code",
        "phone",
        "corporate_number",
        "mynumber",
        "bank_account",
        "date",
    ]


def test_every_problem_is_reported_by_sheet_row_and_column_and_nothing_is_imported():
    data = workbook(
        survey=[
            ["type", "name", "label", "relevant"],
            ["geopoint", "where", "場所", ""],
            ["text", "bad-name", "名前", ""],
            ["select_one nolist", "kind", "種類", ""],
            ["integer", "n", "人数", "${n} mod 2 = 0"],
            ["text", "x", "X", "${missing} = 1"],
        ]
    )
    problems = problems_of(data)
    assert problems[0].startswith("surveyシート 2行目 A列（type）") and "geopoint" in problems[0]
    assert any(p.startswith("surveyシート 3行目 B列（name）") for p in problems)
    assert any("4行目" in p and "nolist" in p for p in problems)
    assert any(p.startswith("surveyシート 5行目 D列（relevant）") and "mod" in p for p in problems)
    assert any(p.startswith("surveyシート 6行目 D列（relevant）") and "missing" in p for p in problems)


def test_a_file_that_is_not_a_workbook_or_has_no_survey_sheet_is_refused_plainly():
    assert "読み取れません" in problems_of(b"PK\x03\x04 not really a zip")[0]
    book = Workbook()
    book.active.title = "choices"
    out = io.BytesIO()
    book.save(out)
    assert "survey シートがありません" in problems_of(out.getvalue())[0]


def test_begin_and_end_written_with_a_space_are_groups_and_repeats():
    definition, _settings = definition_from_xlsform(KOBO)
    assert [s["key"] for s in definition["steps"]] == ["family"]
    assert definition["steps"][0]["fields"][1]["type"] == "group"
