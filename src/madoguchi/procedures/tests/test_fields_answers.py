"""はい／いいえ, 署名 (typed name + consent with time) and computed values."""

import pytest
from django.http import QueryDict

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type
from madoguchi.procedures.templatetags.procedure_fields import render_field
from madoguchi.procedures.validation import clean_fields, display_rows, parse_step_form

CTX = ValidationContext()
YES_NO = {
    "key": "married",
    "type": "yes_no",
    "label": "配偶者の有無",
    "yes_label": "あり",
    "no_label": "なし",
}


@pytest.mark.parametrize(
    "typed,stored", [("yes", True), ("no", False), ("はい", True), (False, False), ("true", True)]
)
def test_yes_no_is_stored_as_a_boolean(typed, stored):
    assert get_field_type("yes_no").clean(typed, YES_NO, CTX) is stored


def test_a_no_answer_counts_as_answered_and_is_shown_with_its_label():
    cleaned = clean_fields([{**YES_NO, "required": True}], {"married": "no"}, context=CTX)
    assert cleaned == {"married": False}
    assert get_field_type("yes_no").display(False, YES_NO) == "なし"


def test_conditions_on_a_yes_no_answer_work_in_json_and_expression_form():
    fields = [
        YES_NO,
        {
            "key": "spouse",
            "type": "text",
            "label": "配偶者の氏名",
            "required_if": {"field": "married", "equals": "yes"},
        },
        {
            "key": "spouse_income",
            "type": "money",
            "label": "配偶者の収入",
            "required_if": {"expr": "married"},
        },
    ]
    with pytest.raises(FieldErrors) as info:
        clean_fields(fields, {"married": "yes"}, context=CTX)
    assert set(info.value.as_dict()) == {"spouse", "spouse_income"}
    assert clean_fields(fields, {"married": "no"}, context=CTX) == {"married": False}


SIGN = {
    "key": "sign",
    "type": "signature",
    "label": "申請者の署名",
    "statement": "記載内容に相違ありません。",
    "required": True,
}


def test_a_signature_records_the_name_the_time_and_which_statement():
    value = get_field_type("signature").clean({"name": "山田　太郎", "agree": "yes"}, SIGN, CTX)
    assert value["name"] == "山田 太郎"
    assert value["agreed_at"].startswith("20") and "+09:00" in value["agreed_at"]
    again = get_field_type("signature").clean(value, SIGN, CTX)
    assert again == value  # checked again at submission: the time it was signed is kept


def test_a_signature_without_consent_or_name_is_refused_on_each_part():
    with pytest.raises(FieldValidationError) as info:
        get_field_type("signature").clean({"name": "", "agree": ""}, {**SIGN}, CTX)
    assert set(info.value.parts) == {"name", "agree"}


def test_a_changed_statement_needs_a_new_consent():
    value = get_field_type("signature").clean({"name": "山田", "agree": "yes"}, SIGN, CTX)
    with pytest.raises(FieldValidationError):
        get_field_type("signature").clean(value, {**SIGN, "statement": "別の文"}, CTX)


TOTAL = {
    "key": "total",
    "type": "computed",
    "label": "合計",
    "expression": "sum(items.amount)",
    "format": "money",
}
ITEMS = {
    "key": "items",
    "type": "group",
    "label": "領収書",
    "fields": [{"key": "amount", "type": "money", "label": "金額", "required": True}],
}


def test_a_computed_total_is_calculated_from_cleaned_values():
    cleaned = clean_fields(
        [ITEMS, TOTAL], {"items": [{"amount": "1,000円"}, {"amount": "２５００"}]}, context=CTX
    )
    assert cleaned["total"] == 3500
    assert get_field_type("computed").display(3500, TOTAL) == "3,500円"


def test_a_computed_value_cannot_be_typed_in():
    definition = {
        "steps": [
            {
                "key": "a",
                "fields": [
                    {"key": "n", "type": "integer", "label": "人数"},
                    {**TOTAL, "expression": "n * 500"},
                ],
            }
        ]
    }
    raw = parse_step_form(definition, "a", QueryDict("n=3&total=1"), {})
    assert "total" not in raw
    cleaned = clean_fields(definition["steps"][0]["fields"], {**raw, "total": 1}, context=CTX)
    assert cleaned == {"n": 3, "total": 1500}


def test_age_from_a_wareki_birth_date():
    fields = [
        {"key": "birth", "type": "date", "label": "生年月日"},
        {
            "key": "age",
            "type": "computed",
            "label": "年齢",
            "expression": "age(birth, '2024-04-01')",
            "format": "integer",
            "unit": "歳",
        },
    ]
    cleaned = clean_fields(fields, {"birth": "昭和50年4月2日"}, context=CTX)
    assert cleaned["age"] == 48
    rows = display_rows({"steps": [{"key": "a", "fields": fields}]}, cleaned)
    assert rows[1]["value"] == "48歳"


def test_a_computed_field_renders_an_output_for_live_updates():
    html = render_field(TOTAL, 3500, None)
    assert "<output" in html and 'data-expression="sum(items.amount)"' in html and "3,500円" in html


def test_a_computed_field_needs_a_valid_expression():
    problems = check_definition(
        {"steps": [{"key": "a", "fields": [{**TOTAL, "expression": "sum(items.amount"}]}]}
    )
    assert any("計算式に誤りがあります" in p for p in problems)
