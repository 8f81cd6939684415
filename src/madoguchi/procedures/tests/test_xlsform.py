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


# ---------------------------------------------------------------------------- a Kobo-style form: two
# languages in both columns, "begin group" spelt with a space, conditions and constraints inside a
# repeat, required and constraint messages in English, a repeat shown on a condition.

KOBO = workbook(
    survey=[
        [
            "type",
            "name",
            "label::日本語 (ja)",
            "label::English (en)",
            "hint::日本語 (ja)",
            "required",
            "required_message::日本語 (ja)",
            "required_message::English (en)",
            "relevant",
            "constraint",
            "constraint_message::日本語 (ja)",
            "constraint_message::English (en)",
        ],
        ["begin group", "family", "家族", "Family", "", "", "", "", "", "", "", ""],
        [
            "select_one yn",
            "has_children",
            "お子さんはいますか",
            "Do you have children?",
            "",
            "yes",
            "選んでください。",
            "Please choose.",
            "",
            "",
            "",
            "",
        ],
        ["begin repeat", "child", "お子さん", "Child", "", "", "", "", "${has_children} = 'yes'", "", "", ""],
        ["text", "child_name", "名前", "Name", "", "yes", "", "", "", "", "", ""],
        [
            "integer",
            "child_age",
            "年齢",
            "Age",
            "満年齢",
            "yes",
            "",
            "",
            "",
            ". >= 0 and . < 20",
            "0〜19歳で入力してください。",
            "Enter an age from 0 to 19.",
        ],
        [
            "text",
            "school",
            "学校名",
            "School",
            "",
            "yes",
            "",
            "",
            "${child_age} >= 6",
            "",
            "",
            "",
        ],
        ["end repeat", "", "", "", "", "", "", "", "", "", "", ""],
        ["end group", "", "", "", "", "", "", "", "", "", "", ""],
    ],
    choices=[
        ["list name", "name", "label::日本語 (ja)", "label::English (en)"],
        ["yn", "yes", "はい", "Yes"],
        ["yn", "no", "いいえ", "No"],
    ],
    settings=[["form_title", "form_id", "default_language"], ["子育て調査", "kosodate", "日本語 (ja)"]],
)


def test_a_kobo_form_keeps_both_languages_and_maps_conditions_and_constraints_inside_a_repeat():
    definition, _settings = definition_from_xlsform(KOBO)
    (step,) = definition["steps"]
    assert (step["key"], step["title"], step["title_en"]) == ("family", "家族", "Family")
    has_children, child = step["fields"]
    assert has_children["options"] == [
        {"value": "yes", "label": "はい", "label_en": "Yes"},
        {"value": "no", "label": "いいえ", "label_en": "No"},
    ]
    assert (has_children["required_message"], has_children["required_message_en"]) == (
        "選んでください。",
        "Please choose.",
    )
    assert child["type"] == "group" and child["show_if"] == {"expr": "has_children == 'yes'"}
    assert child["label_en"] == "Child"
    name, age, school = child["fields"]
    assert age["help"] == "満年齢" and school["show_if"] == {"expr": "child_age >= 6"}
    assert child["checks"] == [
        {
            "rule": "child_age >= 0 and child_age < 20",
            "message": "0〜19歳で入力してください。",
            "message_en": "Enter an age from 0 to 19.",
            "field": "child_age",
        }
    ]


def test_conditions_and_checks_inside_a_repeat_are_decided_on_each_row():
    definition, _settings = definition_from_xlsform(KOBO)
    context = ValidationContext()
    rows = [
        {"child_name": "花子", "child_age": "3", "school": "（入力しても捨てられる）"},
        {"child_name": "太郎", "child_age": "8"},
        {"child_name": "次郎", "child_age": "25", "school": "新宿中学校"},
    ]
    with pytest.raises(FieldErrors) as info:
        validate_all(definition, {"has_children": "yes", "child": rows}, context=context)
    errors = info.value.as_dict()
    assert errors == {
        "child.1.school": ["学校名を入力してください。"],
        "child.2.child_age": ["0〜19歳で入力してください。"],
    }
    rows[1]["school"] = "新宿小学校"
    rows[2]["child_age"] = "12"
    cleaned = validate_all(definition, {"has_children": "yes", "child": rows}, context=context)
    assert "school" not in cleaned["child"][0], "a hidden sub-field's answer is dropped"
    assert cleaned["child"][1]["school"] == "新宿小学校"
    assert "child" not in validate_all(definition, {"has_children": "no", "child": rows}, context=context)


def test_the_english_required_and_constraint_messages_are_shown_in_english():
    from django.utils import translation

    definition, _settings = definition_from_xlsform(KOBO)
    with translation.override("en"):
        with pytest.raises(FieldErrors) as info:
            validate_all(definition, {}, context=ValidationContext())
        assert info.value.as_dict()["has_children"] == ["Please choose."]
        with pytest.raises(FieldErrors) as info:
            validate_all(
                definition,
                {"has_children": "yes", "child": [{"child_name": "A", "child_age": "30"}]},
                context=ValidationContext(),
            )
    errors = info.value.as_dict()
    assert errors["child.0.child_age"] == ["Enter an age from 0 to 19."]


def test_a_condition_inside_a_repeat_on_a_question_outside_it_is_reported():
    data = workbook(
        survey=[
            ["type", "name", "label", "relevant", "constraint"],
            ["integer", "members", "人数", "", ""],
            ["begin_repeat", "person", "人", "", ""],
            ["text", "person_name", "名前", "${members} > 1", ""],
            ["integer", "person_age", "年齢", "", ". < ${members}"],
            ["end_repeat", "", "", "", ""],
        ]
    )
    problems = problems_of(data)
    assert problems[0].startswith("surveyシート 4行目 D列（relevant）") and "members" in problems[0]
    assert problems[1].startswith("surveyシート 5行目 E列（constraint）") and "members" in problems[1]
    assert len(problems) == 2


def test_a_row_condition_naming_a_question_outside_the_row_is_refused_by_the_definition_check():
    definition, _settings = definition_from_xlsform(KOBO)
    definition["steps"][0]["fields"][1]["fields"][2]["show_if"] = {"expr": "has_children == 'yes'"}
    definition["steps"][0]["fields"][1]["checks"][0]["rule"] = "has_children == 'yes'"
    problems = check_definition(definition)
    assert any("school" in p and "has_children" in p for p in problems), problems
    assert any("チェック" in p and "has_children" in p for p in problems), problems


# ---------------------------------------------------------------------------- cascading choices

CASCADE = workbook(
    survey=[
        ["type", "name", "label", "choice_filter", "required"],
        ["begin_group", "where", "お住まい", "", ""],
        ["select_one pref", "pref", "都道府県", "", "yes"],
        ["end_group", "", "", "", ""],
        ["begin_group", "detail", "市区町村", "", ""],
        ["select_one city", "city", "市区町村", "pref=${pref}", "yes"],
        ["select_one town", "town", "町名", "city = ${city}", ""],
        ["end_group", "", "", "", ""],
    ],
    choices=[
        ["list_name", "name", "label", "pref", "city"],
        ["pref", "tokyo", "東京都", "", ""],
        ["pref", "osaka", "大阪府", "", ""],
        ["city", "shinjuku", "新宿区", "tokyo", ""],
        ["city", "sakai", "堺市", "osaka", ""],
        ["town", "yotsuya", "四谷", "", "shinjuku"],
        ["town", "nishishinjuku", "西新宿", "", "shinjuku"],
        ["town", "mihara", "美原", "", "sakai"],
    ],
)


def test_cascading_choices_on_a_later_page_show_only_the_options_that_fit_the_earlier_answer():
    from madoguchi.procedures.steps import step_fields

    definition, _settings = definition_from_xlsform(CASCADE)
    detail = definition["steps"][1]
    city, town = step_fields(detail, {"pref": "osaka"})
    assert [o["value"] for o in city["spec"]["options"]] == ["sakai"], "narrowed on the server"
    assert town["spec"]["options"] == detail["fields"][1]["options"], "its parent is on the same page"
    assert "「市区町村」の答えに合うものを選んでください" in town["hint"]
    assert [o["value"] for o in step_fields(detail, {})[0]["spec"]["options"]] == ["shinjuku", "sakai"]


def test_cascading_choices_render_their_filter_for_fields_js():
    from madoguchi.procedures.templatetags.procedure_fields import render_field

    definition, _settings = definition_from_xlsform(CASCADE)
    town = definition["steps"][1]["fields"][1]
    html = render_field(town, "mihara")
    assert 'data-choice-filter="city"' in html
    assert 'data-choice="shinjuku"' in html and 'data-choice="sakai"' in html


def test_a_three_level_cascade_is_checked_on_the_server():
    definition, _settings = definition_from_xlsform(CASCADE)
    context = ValidationContext()
    assert validate_all(definition, {"pref": "tokyo", "city": "shinjuku", "town": "yotsuya"}, context=context)
    with pytest.raises(FieldErrors) as info:
        validate_all(definition, {"pref": "tokyo", "city": "shinjuku", "town": "mihara"}, context=context)
    assert list(info.value.as_dict()) == ["town"]


@pytest.mark.parametrize(
    ("choice_filter", "reason"),
    [
        ("selected(${pref}, pref)", "列名=${項目}"),
        ("pref=${pref} and city != ''", "列名=${項目}"),
        ("prefecture=${pref}", "「prefecture」の列がありません"),
        ("pref=${nowhere}", "列名=${項目}"),
    ],
)
def test_a_choice_filter_that_does_not_map_is_reported_at_its_cell(choice_filter, reason):
    data = workbook(
        survey=[
            ["type", "name", "label", "choice_filter"],
            ["select_one pref", "pref", "都道府県", ""],
            ["select_one city", "city", "市区町村", choice_filter],
        ],
        choices=[
            ["list_name", "name", "label", "pref"],
            ["pref", "tokyo", "東京都", ""],
            ["city", "shinjuku", "新宿区", "tokyo"],
        ],
    )
    (problem,) = problems_of(data)
    assert problem.startswith("surveyシート 3行目 D列（choice_filter）") and reason in problem


# ---------------------------------------------------------------------------- round trips, richer


def every_type_in_every_place() -> dict:
    """Every field type with English texts, a condition and a message; inside a repeat too."""
    definition = one_field_of_every_type()
    fields = definition["steps"][0]["fields"]
    for spec in fields:
        if "label" in spec:
            spec["label_en"] = f"{spec['type']} field"
        spec["help"] = "ヒント"
        spec["help_en"] = "Hint"
        if registry[spec["type"]].has_value and not registry[spec["type"]].computes:
            spec["required_message"] = "必ず入力してください。"
            spec["required_message_en"] = "This is required."
    subs = [
        {**copy.deepcopy(spec), "key": f"sub_{spec['type']}"}
        for spec in fields
        if registry[spec["type"]].groupable and spec["type"] != "group"
    ]
    for sub in subs:
        sub.pop("show_if", None)
    subs[-1]["show_if"] = {"expr": "sub_integer >= 1"}
    repeat = {
        "key": "rows",
        "type": "group",
        "label": "行",
        "label_en": "Rows",
        "item_label": "行",
        "fields": subs,
        "show_if": {"expr": "f_integer > 0"},
        "checks": [
            {
                "rule": "sub_integer <= 10",
                "message": "10以下",
                "message_en": "At most 10",
                "field": "sub_integer",
            },
            {"rule": "age(sub_date) >= 18", "message": "18歳以上", "field": "sub_date"},
        ],
    }
    definition["steps"].append(
        {
            "key": "c",
            "title": "繰り返し",
            "title_en": "Repeats",
            "fields": [repeat],
            "checks": [
                {"rule": "count(rows.sub_integer) <= 3", "message": "3件まで", "message_en": "Up to 3"}
            ],
        }
    )
    definition["steps"][0]["checks"] = [
        {"rule": "f_integer <= 100", "message": "100以下", "message_en": "100 or less", "field": "f_integer"},
        {"rule": "f_integer != 7", "message": "7以外", "field": "f_integer"},
    ]
    return definition


def test_export_then_import_gives_back_every_field_type_in_every_place_with_both_languages():
    definition = every_type_in_every_place()
    assert check_definition(definition) == []
    assert round_trip(definition) == definition


def test_the_export_says_constraints_and_row_conditions_in_xlsform_columns(tmp_path):
    from pyxform.xls2xform import convert

    data = xlsform_bytes(every_type_in_every_place(), title="全種類", form_id="every_type")
    sheet = load_workbook(io.BytesIO(data), read_only=True)["survey"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_name: dict[str, dict] = {}
    for row in rows[1:]:
        by_name.setdefault(row[header.index("name")], dict(zip(header, row, strict=True)))
    assert by_name["f_integer"]["constraint"] == ". <= 100"
    assert by_name["f_integer"]["constraint_message::English (en)"] == "100 or less"
    assert by_name["sub_integer"]["constraint"] == ". <= 10"
    assert by_name["sub_date"]["constraint"] is None, "age() has no XPath: the check travels in the JSON"
    assert by_name["rows"]["relevant"] == "${f_integer} > 0"
    assert (
        by_name[f"sub_{sorted(t for t in registry if registry[t].groupable and t != 'group')[-1]}"][
            "relevant"
        ]
        == "${sub_integer} >= 1"
    )
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    assert "<h:title>全種類</h:title>" in convert(xlsform=str(path)).xform


def test_a_constraint_edited_in_excel_wins_over_the_exported_check():
    definition = every_type_in_every_place()
    book = load_workbook(io.BytesIO(xlsform_bytes(definition)))
    sheet = book["survey"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("name")].value == "f_integer":
            row[header.index("constraint")].value = ". <= 50"
            row[header.index("constraint_message")].value = "50以下"
    out = io.BytesIO()
    book.save(out)
    imported, _settings = definition_from_xlsform(out.getvalue())
    assert imported["steps"][0]["checks"] == [
        {"rule": "f_integer <= 50", "message": "50以下", "message_en": "100 or less", "field": "f_integer"},
        {"rule": "f_integer != 7", "message": "7以外", "field": "f_integer"},
    ]


def test_begin_and_end_written_with_a_space_are_groups_and_repeats():
    definition, _settings = definition_from_xlsform(KOBO)
    assert [s["key"] for s in definition["steps"]] == ["family"]
    assert definition["steps"][0]["fields"][1]["type"] == "group"
