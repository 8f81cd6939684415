"""XLSForm import/export (issue 17): XPath → rules, real-world form shapes, error reports, round trips."""

from __future__ import annotations

import copy
import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from madoguchi.core.errors import FieldErrors
from madoguchi.demo import loader
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import ValidationContext, registry
from madoguchi.procedures.validation import validate_all
from madoguchi.procedures.xlsform import definition_from_xlsform, xlsform_bytes
from madoguchi.procedures.xlsform.xpath import NotMapped, to_rule, to_xpath


def workbook(
    survey: list[list], choices: list[list] | None = None, settings: list[list] | None = None
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices:
        choice_sheet = book.create_sheet("choices")
        for row in choices:
            choice_sheet.append(row)
    if settings:
        settings_sheet = book.create_sheet("settings")
        for row in settings:
            settings_sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(FieldErrors) as info:
        definition_from_xlsform(data)
    return info.value.as_dict()["file"]


# ---------------------------------------------------------------------------- XPath → rules


@pytest.mark.parametrize(
    ("xpath", "rule"),
    [
        ("${age} >= 18", "age >= 18"),
        ("${kind} = 'other'", "kind == 'other'"),
        ("${kind} != 'other'", "kind != 'other'"),
        ("selected(${ways}, 'bus')", "contains(ways, 'bus')"),
        ("not(selected(${ways}, 'bus'))", "not (contains(ways, 'bus'))"),
        ("${a} > 1 and ${b} < 2 or ${c} <= 3", "a > 1 and b < 2 or c <= 3"),
        ("(${a} + ${b}) * 2 - ${c} div 4", "(a + b) * 2 - c / 4"),
        ("-${a} + 1", "-a + 1"),
        ("today() > ${start}", "today() > start"),
        (". >= 0 and . <= 100", "me >= 0 and me <= 100"),
        ("string-length(.) <= 10", "len(me) <= 10"),
        ("count-selected(${ways}) >= 2", "count(ways) >= 2"),
        ("if(${married} = 'yes', 2, 1)", "if(married == 'yes', 2, 1)"),
        ("round(${price} * 1.1, 0)", "round(price * 1.1, 0)"),
        ("sum(${amount})", "sum(amount)"),
        ("${start} <= date('2026-03-31')", "start <= '2026-03-31'"),
        ("int(${x} div 2)", "floor(x / 2)"),
        ("true()", "true"),
        ('${name} = "山田"', "name == '山田'"),
    ],
)
def test_xpath_expressions_become_rules(xpath, rule):
    assert to_rule(xpath, current="me") == rule


@pytest.mark.parametrize(
    "xpath",
    [
        "${a} mod 2 = 0",
        "concat(${a}, 'x')",
        "jr:choice-name(${a}, '${a}')",
        "/data/a = 1",
        "${a} >",
        "position(..)",
    ],
)
def test_xpath_that_does_not_map_is_refused_with_a_reason(xpath):
    with pytest.raises(NotMapped):
        to_rule(xpath)


def test_rules_go_back_to_xpath_where_xpath_can_say_them():
    assert to_xpath("age >= 18 and contains(ways, 'bus')") == "(${age} >= 18 and selected(${ways}, 'bus'))"
    assert to_xpath("len(me) <= 10", current="me") == "string-length(.) <= 10"
    assert to_xpath("age(birth) >= 65") is None  # no XPath for age(): the exact rule travels in the JSON


# ---------------------------------------------------------------------------- forms as ODK/Kobo write them

HOUSEHOLD = workbook(
    survey=[
        [
            "type",
            "name",
            "label::Japanese (ja)",
            "label::English (en)",
            "hint::English (en)",
            "required",
            "relevant",
            "constraint",
            "constraint_message::Japanese (ja)",
            "calculation",
            "choice_filter",
            "appearance",
            "default",
        ],
        ["begin_group", "household", "世帯", "Household", "", "", "", "", "", "", "", "field-list", ""],
        [
            "text",
            "head",
            "世帯主の名前",
            "Head of household",
            "As on the register",
            "yes",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "integer",
            "members",
            "世帯の人数",
            "Members",
            "",
            "yes",
            "",
            ". >= 1 and . <= 20",
            "1〜20人で入力してください。",
            "",
            "",
            "",
            "1",
        ],
        ["select_one pref", "pref", "都道府県", "Prefecture", "", "yes", "", "", "", "", "", "minimal", ""],
        ["select_one city", "city", "市区町村", "City", "", "yes", "", "", "", "", "pref=${pref}", "", ""],
        ["end_group", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["begin_group", "people", "家族", "Family", "", "", "${members} > 1", "", "", "", "", "", ""],
        ["begin_repeat", "member", "家族の方", "Family member", "", "", "", "", "", "", "", "", ""],
        ["text", "member_name", "名前", "Name", "", "yes", "", "", "", "", "", "", ""],
        ["integer", "member_age", "年齢", "Age", "", "", "", "", "", "", "", "", ""],
        ["end_repeat", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["calculate", "total_age", "", "", "", "", "", "", "", "sum(${member_age})", "", "", ""],
        ["note", "thanks", "ありがとうございました。", "Thank you.", "", "", "", "", "", "", "", "", ""],
        ["end_group", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["start", "start", "", "", "", "", "", "", "", "", "", "", ""],
    ],
    choices=[
        ["list_name", "name", "label::Japanese (ja)", "label::English (en)", "pref"],
        ["pref", "tokyo", "東京都", "Tokyo", ""],
        ["pref", "osaka", "大阪府", "Osaka", ""],
        ["city", "shinjuku", "新宿区", "Shinjuku", "tokyo"],
        ["city", "hachioji", "八王子市", "Hachioji", "tokyo"],
        ["city", "sakai", "堺市", "Sakai", "osaka"],
    ],
    settings=[["form_title", "form_id", "default_language"], ["世帯調査", "household", "Japanese (ja)"]],
)


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


# ---------------------------------------------------------------------------- round trips


def one_field_of_every_type() -> dict:
    fields = []
    for type_id in sorted(registry):
        if type_id == "group":
            continue
        spec = {
            "key": f"f_{type_id}",
            "type": type_id,
            "label": f"{type_id}の項目",
            **copy.deepcopy(registry[type_id].defaults),
        }
        if not registry[type_id].has_value:
            spec.pop("label")
            spec.setdefault("text", "説明")
        fields.append(spec)
    fields[-1]["show_if"] = {"expr": "f_integer >= 1 and f_consent"}
    group = {
        "key": "kids",
        "type": "group",
        "label": "子",
        "item_label": "子",
        **copy.deepcopy(registry["group"].defaults),
    }
    return {
        "steps": [
            {"key": "a", "title": "すべての種類", "title_en": "Every type", "fields": fields},
            {
                "key": "b",
                "title": "条件",
                "show_if": {"expr": "age(f_date) >= 18"},
                "checks": [
                    {"rule": "len(note_b) <= 10 or f_integer <= 10", "message": "10以下", "field": "note_b"}
                ],
                "fields": [
                    group,
                    {
                        "key": "note_b",
                        "type": "text",
                        "label": "備考",
                        "label_en": "Note",
                        "help": "任意",
                        "required_if": {"expr": "f_integer > 3"},
                        "show_if": {"expr": "contains(f_checkboxes, 'a')"},
                        "validation": {"max_length": 50, "check_digit": "jan"},
                        "default": "なし",
                    },
                ],
            },
        ]
    }


def round_trip(definition: dict) -> dict:
    imported, _settings = definition_from_xlsform(xlsform_bytes(definition, title="t"))
    return imported


def test_export_then_import_gives_back_every_field_type_exactly():
    definition = one_field_of_every_type()
    assert check_definition(definition) == []
    assert round_trip(definition) == definition


@pytest.mark.parametrize("path", loader.procedure_files(), ids=lambda p: p.stem)
def test_export_then_import_gives_back_every_demo_procedure_exactly(path):
    definition = json.loads(path.read_text(encoding="utf-8"))["definition"]
    assert round_trip(definition) == definition


def test_import_of_an_odk_form_then_export_then_import_is_stable():
    first, _ = definition_from_xlsform(HOUSEHOLD)
    assert round_trip(first) == first


def test_the_export_is_a_valid_xlsform_for_odk_tools(tmp_path):
    from pyxform.xls2xform import convert

    path = tmp_path / "form.xlsx"
    path.write_bytes(xlsform_bytes(one_field_of_every_type(), title="全種類", form_id="every_type"))
    result = convert(xlsform=str(path))
    assert "<h:title>全種類</h:title>" in result.xform
    sheet = load_workbook(path, read_only=True)["survey"]
    header = next(sheet.iter_rows(values_only=True))
    assert "label::English (en)" in header and "bind::madoguchi:type" in header


# ---------------------------------------------------------------------------- builder pages and command


@pytest.fixture
def owner(db):
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_organization, make_staff

    organization = make_organization()
    return make_staff(organization, role=Role.OWNER), organization


def upload(data: bytes, name: str = "form.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return file


def test_an_xlsform_uploaded_in_the_builder_becomes_a_draft_procedure(client, owner):
    from django.urls import reverse

    from madoguchi.procedures.models import Procedure

    user, organization = owner
    client.force_login(user)
    response = client.post(
        reverse("builder:import"), {"organization": organization.pk, "file": upload(HOUSEHOLD)}
    )
    assert response.status_code == 302
    procedure = Procedure.objects.get(organization=organization)
    assert procedure.title == "世帯調査" and procedure.current_version is None and not procedure.is_public
    assert [s["key"] for s in procedure.draft.definition["steps"]] == ["household", "people"]
    exported = client.get(reverse("builder:export_xlsform", args=[procedure.pk]))
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    assert definition_from_xlsform(exported.content)[0] == procedure.draft.definition


def test_a_broken_xlsform_in_the_builder_lists_the_problems_and_creates_nothing(client, owner):
    from django.urls import reverse

    from madoguchi.procedures.models import Procedure

    user, organization = owner
    client.force_login(user)
    data = workbook(survey=[["type", "name", "label"], ["geopoint", "where", "場所"]])
    response = client.post(reverse("builder:import"), {"organization": organization.pk, "file": upload(data)})
    assert response.status_code == 422
    assert "surveyシート 2行目 A列（type）" in response.content.decode()
    assert not Procedure.objects.filter(organization=organization).exists()


def test_an_xlsform_replaces_a_draft_and_undo_brings_it_back(client, owner):
    from django.urls import reverse

    from madoguchi.core.testing import make_procedure

    user, organization = owner
    client.force_login(user)
    procedure = make_procedure(organization)
    from madoguchi.procedures import services

    before = services.procedure_draft(procedure=procedure).definition
    client.post(reverse("builder:import_into", args=[procedure.pk]), {"file": upload(HOUSEHOLD)})
    procedure.draft.refresh_from_db()
    assert procedure.draft.definition["steps"][0]["key"] == "household"
    client.post(reverse("builder:undo", args=[procedure.pk]))
    procedure.draft.refresh_from_db()
    assert procedure.draft.definition == before


def test_the_command_imports_an_xlsform_for_an_organization(owner, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from madoguchi.procedures.models import Procedure

    user, organization = owner
    path = tmp_path / "household.xlsx"
    path.write_bytes(HOUSEHOLD)
    out = io.StringIO()
    call_command(
        "procedures",
        "import-xlsform",
        str(path),
        "--organization",
        organization.slug,
        "--user",
        user.email,
        stdout=out,
    )
    assert "imported as a draft" in out.getvalue()
    assert Procedure.objects.filter(organization=organization, title="世帯調査").count() == 1
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(workbook(survey=[["type", "name", "label"], ["geopoint", "where", "場所"]]))
    with pytest.raises(CommandError):
        call_command(
            "procedures",
            "import-xlsform",
            str(broken),
            "--organization",
            organization.slug,
            "--user",
            user.email,
            stderr=io.StringIO(),
        )
    assert Procedure.objects.filter(organization=organization).count() == 1
