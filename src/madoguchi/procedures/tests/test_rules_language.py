"""The rule language: the shared case table, syntax errors in Japanese, no eval, explanations."""

import json
from pathlib import Path

import pytest

from madoguchi.procedures import rules
from madoguchi.procedures.rules import RuleSyntaxError, evaluate_text, explain, fields_of, parse

CASES = json.loads((Path(rules.__file__).parent / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["expr"] for c in CASES])
def test_every_case_of_the_shared_table_gives_the_expected_value(case):
    result = evaluate_text(case["expr"], case.get("data", {}), today=case.get("today", "2024-04-01"))
    assert result == case["expect"]
    assert (
        type(result) is type(case["expect"]) or isinstance(result, float) and isinstance(case["expect"], int)
    )


@pytest.mark.parametrize(
    "text,words",
    [
        ("a >= ", "式が途中で終わっています"),
        ("", "式が空です"),
        ("a $ b", "「$」は使えない文字です"),
        ("foo(1)", "関数「foo」はありません"),
        ("age()", "引数の数が正しくありません"),
        ("(a > 1", "「)」が必要です"),
        ("a b", "続きがあります"),
        ("a.", "「.」の後に項目の key が必要です"),
        ("'abc", "使えない文字"),
    ],
)
def test_syntax_errors_say_what_is_wrong_in_japanese(text, words):
    with pytest.raises(RuleSyntaxError) as info:
        parse(text)
    assert words in info.value.message


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "a.__class__", "open('x')", "(1).real", "lambda: 1", "a[0]", "exec('1')"],
)
def test_python_constructs_are_not_part_of_the_language(text):
    with pytest.raises(RuleSyntaxError):
        parse(text)


def test_deep_nesting_and_very_long_rules_are_refused():
    with pytest.raises(RuleSyntaxError):
        parse("(" * 100 + "1" + ")" * 100)
    with pytest.raises(RuleSyntaxError):
        parse("1 + " * 1000 + "1")


def test_fields_of_lists_each_field_once_in_order():
    assert fields_of("end >= start and days(start, end) <= 30 or empty(home.city)") == [
        "end",
        "start",
        "home.city",
    ]
    assert fields_of("sum(family.income) <= limit") == ["family.income", "limit"]


SPECS = {
    "start": {"key": "start", "type": "date", "label": "開始日"},
    "end": {"key": "end", "type": "date", "label": "終了日"},
    "birth": {"key": "birth", "type": "date", "label": "生年月日"},
    "kind": {
        "key": "kind",
        "type": "radio",
        "label": "種別",
        "options": [{"value": "other", "label": "その他"}],
    },
    "family": {
        "key": "family",
        "type": "group",
        "label": "家族",
        "fields": [{"key": "income", "label": "収入"}],
    },
    "limit": {"key": "limit", "type": "money", "label": "上限額"},
    "married": {"key": "married", "type": "yes_no", "label": "配偶者"},
}


@pytest.mark.parametrize(
    "text,sentence",
    [
        ("end >= start", "「終了日」が「開始日」と同じか後"),
        ("age(birth) >= 65", "「生年月日」から計算した年齢が65以上"),
        ("kind == 'other'", "「種別」で「その他」を選んだ"),
        ("sum(family.income) <= limit", "「家族」の「収入」の合計が「上限額」以下"),
        ("married and not empty(limit)", "「配偶者」が「はい」、かつ（「上限額」が未入力）ではない"),
        ("kind in ['a', 'other']", "「種別」が「a」・「その他」のいずれか"),
        ("days(start, end) < 31", "「開始日」から「終了日」までの日数が31未満"),
    ],
)
def test_rules_are_explained_in_japanese(text, sentence):
    assert explain(text, SPECS) == sentence


def test_a_broken_rule_is_explained_as_broken():
    assert explain("a >=", SPECS).startswith("式に誤りがあります")
