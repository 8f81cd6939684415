"""check_definition: broken definitions are refused before publishing, with plain reasons."""

import copy

from madoguchi.core.testing import SIMPLE_DEFINITION
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import registry


def definition(*fields, steps=None):
    return {"steps": steps or [{"key": "main", "title": "入力", "fields": list(fields)}]}


def test_a_good_definition_has_no_problems():
    assert check_definition(SIMPLE_DEFINITION) == []


def test_a_definition_using_every_type_has_no_problems():
    fields = []
    for type_id in sorted(registry):
        spec = {
            "key": f"f_{type_id}",
            "type": type_id,
            "label": type_id,
            **copy.deepcopy(registry[type_id].defaults),
        }
        if type_id == "info":
            spec = {"key": "f_info", "type": "info", "text": "ご案内"}
        fields.append(spec)
    assert check_definition(definition(*fields)) == []


def test_an_unknown_type_is_named_with_the_types_that_exist():
    problems = check_definition(definition({"key": "a", "type": "wareki", "label": "A"}))
    assert len(problems) == 1
    assert "種類「wareki」はありません" in problems[0]
    assert "date" in problems[0]
    assert problems[0].startswith("手順「main」の項目「a」")


def test_duplicate_keys_are_refused_even_across_steps():
    steps = [
        {"key": "one", "fields": [{"key": "a", "type": "text", "label": "A"}]},
        {"key": "one", "fields": [{"key": "a", "type": "text", "label": "A"}]},
    ]
    problems = check_definition(definition(steps=steps))
    assert any("手順の key「one」が重複" in p for p in problems)
    assert any("項目の key「a」が重複" in p for p in problems)


def test_choices_without_options_are_refused():
    problems = check_definition(definition({"key": "a", "type": "radio", "label": "A"}))
    assert problems == ["手順「main」の項目「a」: 選択肢（options）を1つ以上設定してください。"]
    problems = check_definition(
        definition(
            {
                "key": "a",
                "type": "select",
                "label": "A",
                "options": [{"value": "x", "label": "X"}, {"value": "x", "label": "Y"}],
            }
        )
    )
    assert any("重複" in p for p in problems)


def test_missing_options_of_other_types_are_refused():
    problems = check_definition(
        definition(
            {"key": "c", "type": "consent", "label": "同意"},
            {"key": "i", "type": "info"},
            {"key": "f", "type": "file", "label": "F", "accept": ["application/x-msdownload"]},
            {"key": "n", "type": "money", "label": "N", "validation": {"min": 10, "max": 1}},
            {"key": "d", "type": "date", "label": "D", "validation": {"min": "yesterday"}},
            {"key": "t", "type": "text", "label": "T", "validation": {"pattern": "("}},
            {"key": "u", "type": "text"},
        )
    )
    joined = "\n".join(problems)
    for needle in (
        "statement",
        "text",
        "accept",
        "min が max",
        "validation.min は",
        "pattern",
        "「u」: 見出し（label）",
    ):
        assert needle in joined, needle


def test_bad_conditions_are_refused():
    problems = check_definition(
        definition(
            {"key": "a", "type": "text", "label": "A", "show_if": {"field": "a", "equals": "x"}},
            {"key": "b", "type": "text", "label": "B", "show_if": {"field": "nowhere", "equals": "x"}},
            {"key": "c", "type": "text", "label": "C", "required_if": {"field": "a", "matches": "x"}},
            {"key": "d", "type": "text", "label": "D", "show_if": "a == x"},
        )
    )
    joined = "\n".join(problems)
    assert "「a」: show_if が自分自身を参照" in joined
    assert "存在しない項目「nowhere」" in joined
    assert "「c」: required_if の条件の書き方が正しくありません" in joined
    assert "「d」: show_if の条件の書き方" in joined


def test_a_condition_on_a_later_step_is_refused_and_one_on_an_earlier_step_is_fine():
    steps = [
        {
            "key": "one",
            "fields": [{"key": "a", "type": "text", "label": "A", "show_if": {"field": "b", "equals": "x"}}],
        },
        {
            "key": "two",
            "fields": [
                {"key": "b", "type": "text", "label": "B", "required_if": {"field": "a", "not_empty": True}}
            ],
        },
    ]
    problems = check_definition(definition(steps=steps))
    assert len(problems) == 1
    assert "後の手順の項目「b」" in problems[0]


def test_a_condition_on_a_part_of_a_composite_field_must_name_a_real_part():
    ok = definition(
        {"key": "home", "type": "address", "label": "住所"},
        {
            "key": "x",
            "type": "text",
            "label": "X",
            "show_if": {"field": "home.prefecture", "equals": "東京都"},
        },
    )
    assert check_definition(ok) == []
    bad = copy.deepcopy(ok)
    bad["steps"][0]["fields"][1]["show_if"]["field"] = "home.ward"
    assert "にない部分" in check_definition(bad)[0]


def test_a_definition_that_is_not_even_a_list_of_steps_is_refused():
    assert check_definition([]) != []
    assert check_definition({"steps": []}) == ["手順（steps）を1つ以上設定してください。"]
    assert check_definition({"steps": [{"key": "a", "fields": []}]}) == [
        "手順「a」に項目（fields）がありません。"
    ]
    assert (
        check_definition({"steps": [{"key": "1a", "fields": [{"key": "x.y", "type": "text", "label": "X"}]}]})
        != []
    )


def test_the_complete_example_in_the_docs_is_a_valid_definition():
    import json
    from pathlib import Path

    text = (Path(__file__).resolve().parents[4] / "docs" / "procedures.md").read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    assert check_definition(json.loads(example)) == []
