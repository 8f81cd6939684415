"""XLSForm import of a Kobo-style form: both languages, conditions and constraints inside a repeat, English messages."""

from __future__ import annotations

import pytest

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.tests.xlsform.samples import (
    KOBO,
    workbook,
)
from madoguchi.procedures.validation import validate_all
from madoguchi.procedures.xlsform import definition_from_xlsform


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


def test_a_condition_inside_a_repeat_on_a_question_outside_it_is_decided_on_each_row():
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
    definition, _settings = definition_from_xlsform(data)
    person = definition["steps"][0]["fields"][1]
    assert person["fields"][0]["show_if"] == {"expr": "members > 1"}
    assert person["checks"][0]["rule"] == "person_age < members"
    cleaned = validate_all(
        definition,
        {"members": "1", "person": [{"person_name": "A", "person_age": "0"}]},
        context=ValidationContext(),
    )
    assert cleaned["person"] == [{"person_age": 0}]  # one member: the name is not asked
    with pytest.raises(FieldErrors) as info:
        validate_all(
            definition, {"members": "2", "person": [{"person_age": "5"}]}, context=ValidationContext()
        )
    assert list(info.value.as_dict()) == ["person.0.person_age"]


def test_a_row_condition_naming_a_question_that_is_not_in_the_form_is_refused_by_the_definition_check():
    definition, _settings = definition_from_xlsform(KOBO)
    definition["steps"][0]["fields"][1]["fields"][2]["show_if"] = {"expr": "has_pets == 'yes'"}
    definition["steps"][0]["fields"][1]["checks"][0]["rule"] = "has_pets == 'yes'"
    problems = check_definition(definition)
    assert any("school" in p and "has_pets" in p for p in problems), problems
    assert any("checks[1]" in p and "has_pets" in p for p in problems), problems
    definition["steps"][0]["fields"][1]["fields"][2]["show_if"] = {"expr": "has_children == 'yes'"}
    definition["steps"][0]["fields"][1]["checks"][0]["rule"] = "has_children == 'yes'"
    assert check_definition(definition) == []  # a question outside the row, before it: allowed
