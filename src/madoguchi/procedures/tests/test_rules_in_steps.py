"""Rules inside definitions: show_if / required_if expressions, cross-field checks, eligibility."""

import pytest

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.conditions import condition_fields, condition_holds, condition_keys
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.validation import validate_all, validate_step

CTX = ValidationContext()
DEFINITION = {
    "steps": [
        {
            "key": "about",
            "title": "申請者",
            "fields": [
                {"key": "birth", "type": "date", "label": "生年月日", "required": True},
                {
                    "key": "kind",
                    "type": "radio",
                    "label": "種別",
                    "required": True,
                    "options": [{"value": "self", "label": "本人"}, {"value": "other", "label": "その他"}],
                },
                {
                    "key": "other",
                    "type": "text",
                    "label": "その他の内容",
                    "show_if": {"expr": "kind == 'other'"},
                    "required_if": {"expr": "kind == 'other'"},
                },
            ],
            "checks": [
                {
                    "kind": "eligibility",
                    "rule": "age(birth) >= 65",
                    "message": "この手続は65歳以上の方が対象です。",
                }
            ],
        },
        {
            "key": "leave",
            "title": "休業",
            "fields": [
                {"key": "start", "type": "date", "label": "開始日", "required": True},
                {"key": "end", "type": "date", "label": "終了日", "required": True},
                {"key": "amount", "type": "money", "label": "申請額", "required": True},
                {"key": "limit", "type": "money", "label": "上限額", "required": True},
            ],
            "checks": [
                {"rule": "end >= start", "message": "終了日は開始日以降の日付にしてください。"},
                {
                    "rule": "amount <= limit",
                    "message": "申請額は上限額以下にしてください。",
                    "field": "amount",
                },
            ],
        },
    ]
}


def step(key, raw, known=None):
    return validate_step(DEFINITION, key, raw, context=CTX, known=known or {})


def errors_of(call):
    with pytest.raises(FieldErrors) as info:
        call()
    return info.value.as_dict()


def test_an_applicant_below_the_age_is_stopped_early_with_the_explanation():
    errors = errors_of(lambda: step("about", {"birth": "2000-01-01", "kind": "self"}))
    assert errors == {"birth": ["この手続は65歳以上の方が対象です。"]}
    assert step("about", {"birth": "昭和30年1月1日", "kind": "self"}) == {
        "birth": "1955-01-01",
        "kind": "self",
    }


def test_an_eligibility_rule_waits_until_its_field_is_valid():
    errors = errors_of(lambda: step("about", {"birth": "あした", "kind": "self"}))
    assert len(errors["birth"]) == 1 and "65歳" not in errors["birth"][0]


def test_expression_conditions_show_and_require_a_field():
    errors = errors_of(lambda: step("about", {"birth": "1950-01-01", "kind": "other", "other": ""}))
    assert errors == {"other": ["その他の内容を入力してください。"]}
    assert "other" not in step("about", {"birth": "1950-01-01", "kind": "self", "other": "消える"})


def test_a_cross_field_check_is_shown_on_the_last_field_it_reads_or_the_named_one():
    errors = errors_of(
        lambda: step("leave", {"start": "2024-04-10", "end": "2024-04-01", "amount": "5000", "limit": "3000"})
    )
    assert errors == {
        "end": ["終了日は開始日以降の日付にしてください。"],
        "amount": ["申請額は上限額以下にしてください。"],
    }


def test_checks_compare_cleaned_values_not_text():
    cleaned = step(
        "leave",
        {"start": "令和6年4月1日", "end": "2024/4/10", "amount": "１０，０００円", "limit": "1万2000円"},
    )
    assert cleaned["amount"] == 10000


def test_validate_all_runs_the_checks_of_every_step():
    data = {
        "birth": "2000-01-01",
        "kind": "self",
        "start": "2024-04-01",
        "end": "2024-04-02",
        "amount": 1,
        "limit": 2,
    }
    assert set(errors_of(lambda: validate_all(DEFINITION, data, context=CTX))) == {"birth"}


def test_condition_helpers_understand_expressions():
    assert condition_holds({"expr": "a > 1"}, {"a": 2})
    assert not condition_holds({"expr": "a > 1"}, {})
    assert not condition_holds({"expr": "a >"}, {"a": 2})
    assert condition_fields({"expr": "a > b.c"}) == ["a", "b.c"]


def test_condition_keys_reads_expressions_and_structured_conditions_alike():
    expression = {"expr": "age(birth) >= 65 and home.prefecture == '東京都'"}
    assert condition_keys(expression) == {"birth", "home"}
    assert condition_keys({"all": [{"field": "kind", "equals": "a"}, {"not": expression}]}) == {
        "kind",
        "birth",
        "home",
    }
    assert condition_keys({"expr": "a >"}) == set()
    assert condition_keys(None) == set()


def test_check_definition_finds_broken_and_misplaced_rules():
    broken = {
        "steps": [
            {
                "key": "one",
                "fields": [
                    {"key": "a", "type": "integer", "label": "A", "show_if": {"expr": "a >"}},
                    {"key": "b", "type": "integer", "label": "B", "required_if": {"expr": "later > 1"}},
                    {"key": "c", "type": "integer", "label": "C", "show_if": "a > 1"},
                    {"key": "d", "type": "computed", "label": "D", "expression": "nowhere + 1"},
                ],
                "checks": [{"rule": "a >= b"}, {"rule": "x(", "message": "m", "kind": "stop"}],
            },
            {"key": "two", "fields": [{"key": "later", "type": "integer", "label": "L"}]},
        ]
    }
    joined = "\n".join(check_definition(broken))
    assert "「a」: show_if の条件の書き方が正しくありません（式の終わりで" in joined
    assert "「b」: required_if が後の手順の項目「later」を参照" in joined
    assert "「c」: show_if の条件の書き方" in joined and "expr" in joined
    assert "「d」: expression が存在しない項目「nowhere」" in joined
    assert "1番目のチェック: 当てはまらないときに表示する文（message）を設定してください" in joined
    assert "2番目のチェック: 式に誤りがあります" in joined
    assert "kind は check か eligibility" in joined


def test_a_group_part_path_is_checked_against_its_sub_fields():
    definition = {
        "steps": [
            {
                "key": "one",
                "fields": [
                    {
                        "key": "family",
                        "type": "group",
                        "label": "家族",
                        "fields": [{"key": "income", "type": "money", "label": "収入"}],
                    },
                    {
                        "key": "total",
                        "type": "computed",
                        "label": "合計",
                        "expression": "sum(family.income) + sum(family.wage)",
                    },
                ],
            }
        ]
    }
    problems = check_definition(definition)
    assert len(problems) == 1 and "family.wage" in problems[0]
