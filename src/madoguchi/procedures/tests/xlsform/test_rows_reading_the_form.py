"""XLSForm (issue 17): what sits inside a repeat — groups, cascading choices, rules that name
questions outside the row — mapped onto Madoguchi's repeating groups; what cannot be (a repeat
inside a repeat, a language other than Japanese and English) reported by sheet, row and column."""

from __future__ import annotations

import pytest

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.steps import step_fields
from madoguchi.procedures.tests.xlsform.samples import problems_of, workbook
from madoguchi.procedures.validation import validate_all, validate_step
from madoguchi.procedures.xlsform import definition_from_xlsform, xlsform_bytes

CONTEXT = ValidationContext()


def errors_of(definition: dict, answers: dict) -> dict[str, list[str]]:
    with pytest.raises(FieldErrors) as info:
        validate_all(definition, answers, context=CONTEXT)
    return info.value.as_dict()


def the_repeat(definition: dict, key: str) -> dict:
    return next(spec for step in definition["steps"] for spec in step["fields"] if spec["key"] == key)


# A household form in the shape Kobo forms have: questions outside the repeat that the rows
# read, a plain group inside the repeat, cascading choices within a row and from outside it.
RENTERS = workbook(
    survey=[
        ["type", "name", "label", "relevant", "required", "constraint", "calculation", "choice_filter"],
        ["begin_group", "home", "世帯", "", "", "", "", ""],
        ["select_one pref", "pref", "都道府県", "", "yes", "", "", ""],
        ["select_one yn", "shared", "同居の家族がいますか", "", "yes", "", "", ""],
        ["integer", "rent", "家賃（円）", "", "", "", "", ""],
        ["begin_repeat", "member", "家族", "${shared} = 'yes'", "", "", "", ""],
        ["text", "member_name", "氏名", "", "yes", "", "", ""],
        ["integer", "member_age", "年齢", "", "yes", ". <= 120", "", ""],
        ["select_one city", "member_city", "住んでいる市区町村", "", "", "", "", "pref=${pref}"],
        ["select_one kind", "member_kind", "続柄", "", "", "", "", ""],
        ["select_one detail", "member_detail", "続柄の詳細", "", "", "", "", "kind=${member_kind}"],
        ["begin_group", "work", "仕事", "${member_age} >= 15", "", "", "", ""],
        ["text", "member_job", "勤め先", "", "", "", "", ""],
        ["integer", "member_income", "年収（円）", "", "${rent} > 0", ". >= 0", "", ""],
        ["end_group", "", "", "", "", "", "", ""],
        ["calculate", "member_share", "家賃の負担", "", "", "", "${rent} div 2", ""],
        ["text", "member_contract", "賃貸契約の名義", "${rent} > 0", "", "", "", ""],
        ["end_repeat", "", "", "", "", "", "", ""],
        ["end_group", "", "", "", "", "", "", ""],
    ],
    choices=[
        ["list_name", "name", "label", "pref", "kind"],
        ["yn", "yes", "はい", "", ""],
        ["yn", "no", "いいえ", "", ""],
        ["pref", "tokyo", "東京都", "", ""],
        ["pref", "osaka", "大阪府", "", ""],
        ["city", "shinjuku", "新宿区", "tokyo", ""],
        ["city", "sakai", "堺市", "osaka", ""],
        ["kind", "child", "子", "", ""],
        ["kind", "parent", "親", "", ""],
        ["detail", "son", "長男", "", "child"],
        ["detail", "father", "父", "", "parent"],
    ],
)


def test_a_group_inside_a_repeat_joins_the_row_and_its_relevant_guards_each_of_its_questions():
    definition, _settings = definition_from_xlsform(RENTERS)
    member = the_repeat(definition, "member")
    keys = [sub["key"] for sub in member["fields"]]
    assert keys == [
        "member_name",
        "member_age",
        "member_city",
        "member_kind",
        "member_detail",
        "member_job",
        "member_income",
        "member_share",
        "member_contract",
    ]
    job = next(sub for sub in member["fields"] if sub["key"] == "member_job")
    assert job["show_if"] == {"expr": "member_age >= 15"}
    row = {"member_name": "窓口花子", "member_age": "10", "member_job": "窓口商事"}
    cleaned = validate_all(definition, {"pref": "tokyo", "shared": "yes", "member": [row]}, context=CONTEXT)
    assert "member_job" not in cleaned["member"][0]  # a 10-year-old's job is not asked


def test_row_rules_may_name_questions_outside_the_repeat_and_are_decided_on_each_row():
    definition, _settings = definition_from_xlsform(RENTERS)
    member = the_repeat(definition, "member")
    income = next(sub for sub in member["fields"] if sub["key"] == "member_income")
    assert income["required_if"] == {"expr": "rent > 0"}
    assert income["show_if"] == {"expr": "member_age >= 15"}
    share = next(sub for sub in member["fields"] if sub["key"] == "member_share")
    assert share["expression"] == "rent / 2"
    assert check_definition(definition) == []

    adult = {"member_name": "窓口太郎", "member_age": "40"}
    errors = errors_of(definition, {"pref": "tokyo", "shared": "yes", "rent": "80000", "member": [adult]})
    assert list(errors) == ["member.0.member_income"]  # required because the household pays rent

    cleaned = validate_all(definition, {"pref": "tokyo", "shared": "yes", "member": [adult]}, context=CONTEXT)
    assert cleaned["member"][0] == {"member_name": "窓口太郎", "member_age": 40}  # no rent, no share
    cleaned = validate_all(
        definition,
        {
            "pref": "tokyo",
            "shared": "yes",
            "rent": "80000",
            "member": [{**adult, "member_income": "3000000"}],
        },
        context=CONTEXT,
    )
    assert cleaned["member"][0]["member_share"] == 40000  # calculated on the row from outside


def test_cascading_choices_inside_a_repeat_follow_the_row_and_the_question_outside_it():
    definition, _settings = definition_from_xlsform(RENTERS)
    member = the_repeat(definition, "member")
    city = next(sub for sub in member["fields"] if sub["key"] == "member_city")
    detail = next(sub for sub in member["fields"] if sub["key"] == "member_detail")
    assert city["choice_filter"] == {"column": "pref", "field": "pref"}
    assert detail["choice_filter"] == {"column": "kind", "field": "member_kind"}
    base = {"member_name": "窓口", "member_age": "9"}
    rows = [
        {**base, "member_city": "sakai", "member_kind": "child", "member_detail": "son"},
        {**base, "member_city": "shinjuku", "member_kind": "child", "member_detail": "father"},
    ]
    errors = errors_of(definition, {"pref": "tokyo", "shared": "yes", "member": rows})
    assert sorted(errors) == ["member.0.member_city", "member.1.member_detail"]


def test_a_repeats_rows_on_a_later_page_are_drawn_with_the_earlier_answers_decided():
    definition, _settings = definition_from_xlsform(RENTERS)
    # The repeat moves to a page of its own: the questions it reads are then on an earlier page.
    home = definition["steps"][0]
    member = the_repeat(definition, "member")
    home["fields"].remove(member)
    definition["steps"].append({"key": "family", "title": "家族", "fields": [member]})
    assert check_definition(definition) == []
    (shown,) = step_fields(definition["steps"][1], {"pref": "osaka", "shared": "yes"})
    subs = {sub["key"]: sub for sub in shown["spec"]["fields"]}
    assert [o["value"] for o in subs["member_city"]["options"]] == ["sakai"]
    assert "choice_filter" not in subs["member_city"]
    assert "member_contract" not in subs  # no rent: left out before the page is drawn
    assert "required_if" not in subs["member_income"] and not subs["member_income"].get("required")
    (shown,) = step_fields(definition["steps"][1], {"pref": "osaka", "shared": "yes", "rent": 1})
    subs = {sub["key"]: sub for sub in shown["spec"]["fields"]}
    assert subs["member_income"]["required"] is True
    assert "show_if" not in subs["member_contract"]
    with pytest.raises(FieldErrors) as info:
        validate_step(
            definition,
            "family",
            {"member": [{"member_name": "窓口", "member_age": "30"}]},
            context=CONTEXT,
            known={"pref": "osaka", "shared": "yes", "rent": 1},
        )
    assert list(info.value.as_dict()) == ["member.0.member_income"]


def test_rows_that_read_the_form_round_trip_exactly():
    definition, _settings = definition_from_xlsform(RENTERS)
    again, _settings = definition_from_xlsform(xlsform_bytes(definition, title="世帯"))
    assert again == definition


def test_the_definition_check_refuses_a_row_rule_on_a_question_that_is_missing_or_later():
    definition, _settings = definition_from_xlsform(RENTERS)
    member = the_repeat(definition, "member")
    member["fields"][0]["show_if"] = {"expr": "nowhere == 1"}
    member["checks"][0]["rule"] = "member_age <= later"
    definition["steps"].append(
        {"key": "last", "title": "最後", "fields": [{"key": "later", "type": "integer", "label": "後"}]}
    )
    problems = check_definition(definition)
    assert any("member_name.show_if" in p and "nowhere" in p for p in problems), problems
    assert any("checks[1]" in p and "later" in p and "後の手順" in p for p in problems), problems
    member["fields"][0]["show_if"] = {"expr": "member == 1"}
    assert any("自分自身" in p for p in check_definition(definition))


def test_a_group_inside_a_group_guards_its_questions_with_its_relevant():
    data = workbook(
        survey=[
            ["type", "name", "label", "relevant"],
            ["begin_group", "page", "ページ", ""],
            ["integer", "age", "年齢", ""],
            ["begin_group", "adult", "大人", "${age} >= 18"],
            ["text", "job", "職業", "${age} < 65"],
            ["end_group", "", "", ""],
            ["end_group", "", "", ""],
        ]
    )
    definition, _settings = definition_from_xlsform(data)
    job = definition["steps"][0]["fields"][1]
    assert job["show_if"] == {"expr": "(age >= 18) and (age < 65)"}


def test_a_repeat_inside_a_repeat_is_reported_once_at_its_type_cell_and_naming_its_questions_too():
    data = workbook(
        survey=[
            ["type", "name", "label", "relevant"],
            ["begin_repeat", "visit", "受診", ""],
            ["text", "clinic", "医療機関", ""],
            ["begin_repeat", "drug", "薬", ""],
            ["text", "drug_name", "薬の名前", ""],
            ["begin_group", "dose", "量", ""],
            ["integer", "amount", "量", ""],
            ["end_group", "", "", ""],
            ["end_repeat", "", "", ""],
            ["text", "note", "備考", "${drug_name} != ''"],
            ["end_repeat", "", "", ""],
        ]
    )
    problems = problems_of(data)
    assert len(problems) == 2, problems
    assert problems[0].startswith("surveyシート 4行目 A列（type）") and "「drug」" in problems[0]
    assert problems[1].startswith("surveyシート 10行目 D列（relevant）") and "drug_name" in problems[1]


def test_a_file_inside_a_repeat_is_reported_at_its_row():
    data = workbook(
        survey=[
            ["type", "name", "label"],
            ["begin_repeat", "visit", "受診"],
            ["text", "clinic", "医療機関"],
            ["image", "receipt", "領収書"],
            ["end_repeat", "", ""],
        ]
    )
    (problem,) = problems_of(data)
    assert problem.startswith("surveyシート 4行目 A列（type）") and "ファイル" in problem


def test_a_choice_filter_on_a_question_of_another_repeat_is_reported_at_its_cell():
    data = workbook(
        survey=[
            ["type", "name", "label", "choice_filter"],
            ["begin_repeat", "a", "A", ""],
            ["select_one pref", "pref", "都道府県", ""],
            ["end_repeat", "", "", ""],
            ["select_one city", "city", "市区町村", "pref=${pref}"],
        ],
        choices=[
            ["list_name", "name", "label", "pref"],
            ["pref", "tokyo", "東京都", ""],
            ["city", "shinjuku", "新宿区", "tokyo"],
        ],
    )
    (problem,) = problems_of(data)
    assert problem.startswith("surveyシート 5行目 D列（choice_filter）") and "繰り返しの中" in problem


def test_a_name_used_twice_is_reported_at_the_second_one():
    data = workbook(
        survey=[
            ["type", "name", "label"],
            ["text", "name", "氏名"],
            ["begin_repeat", "member", "家族"],
            ["text", "name", "家族の氏名"],
            ["end_repeat", "", ""],
        ]
    )
    problems = problems_of(data)
    assert problems[0].startswith("surveyシート 4行目 B列（name）") and "「name」" in problems[0]


@pytest.mark.parametrize("sheet", ["survey", "choices"])
def test_a_language_other_than_japanese_and_english_is_reported_at_its_column(sheet):
    survey = [
        ["type", "name", "label::日本語 (ja)", "label::English (en)"],
        ["select_one yn", "ok", "よいですか", "OK?"],
    ]
    choices = [
        ["list_name", "name", "label::日本語 (ja)", "label::English (en)"],
        ["yn", "yes", "はい", "Yes"],
    ]
    target = survey if sheet == "survey" else choices
    target[0].append("label::Français (fr)")
    target[1].append("D'accord")
    problems = problems_of(workbook(survey=survey, choices=choices))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{sheet}シート 1行目 E列（label::")
    assert "English (en)" in problems[0]
