"""validate_step / validate_all with show_if and required_if, and the conditions themselves."""

import pytest

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.conditions import condition_fields, condition_holds, condition_problems
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.validation import display_rows, validate_all, validate_step

DEFINITION = {
    "steps": [
        {
            "key": "about",
            "title": "申請者",
            "fields": [
                {"key": "applicant", "type": "name", "label": "氏名", "required": True},
                {"key": "birth", "type": "date", "label": "生年月日", "required": True},
                {
                    "key": "relation",
                    "type": "radio",
                    "label": "申請者と対象者の関係",
                    "required": True,
                    "options": [{"value": "self", "label": "本人"}, {"value": "other", "label": "その他"}],
                },
                {
                    "key": "relation_other",
                    "type": "text",
                    "label": "関係（その他）",
                    "show_if": {"field": "relation", "equals": "other"},
                    "required_if": {"field": "relation", "equals": "other"},
                },
            ],
        },
        {
            "key": "money",
            "title": "金額",
            "fields": [
                {"key": "amount", "type": "money", "label": "支払額", "required": True},
                {
                    "key": "receipt_note",
                    "type": "textarea",
                    "label": "領収書がない理由",
                    "required_if": {
                        "all": [
                            {"field": "relation", "equals": "self"},
                            {"not": {"field": "amount", "in": ["0"]}},
                        ]
                    },
                },
                {
                    "key": "tel",
                    "type": "phone",
                    "label": "電話番号",
                    "show_if": {"field": "birth", "not_empty": True},
                },
            ],
        },
    ]
}
NAME = {"family": "山田", "given": "花子", "family_kana": "やまだ", "given_kana": "はなこ"}
CTX = ValidationContext()


def test_a_step_is_cleaned_with_every_japanese_type():
    cleaned = validate_step(
        DEFINITION,
        "about",
        {"applicant": NAME, "birth": "S50.3.3", "relation": "self", "relation_other": "無視される"},
        context=CTX,
        known={},
    )
    assert cleaned == {
        "applicant": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
        "birth": "1975-03-03",
        "relation": "self",
    }


def test_a_hidden_field_is_neither_required_nor_kept():
    cleaned = validate_step(
        DEFINITION, "about", {"applicant": NAME, "birth": "1975-03-03", "relation": "self", "relation_other": "x"},
        context=CTX, known={},
    )  # fmt: skip
    assert "relation_other" not in cleaned


def test_required_if_on_the_same_page_makes_the_field_required():
    with pytest.raises(FieldErrors) as exc:
        validate_step(
            DEFINITION, "about", {"applicant": NAME, "birth": "1975-03-03", "relation": "other", "relation_other": ""},
            context=CTX, known={},
        )  # fmt: skip
    assert exc.value.as_dict() == {"relation_other": ["関係（その他）を入力してください。"]}


def test_required_if_reads_answers_from_earlier_steps():
    with pytest.raises(FieldErrors) as exc:
        validate_step(
            DEFINITION,
            "money",
            {"amount": "1,000円", "receipt_note": ""},
            context=CTX,
            known={"relation": "self"},
        )
    assert list(exc.value.as_dict()) == ["receipt_note"]
    cleaned = validate_step(
        DEFINITION, "money", {"amount": "0", "receipt_note": ""}, context=CTX, known={"relation": "self"}
    )
    assert cleaned == {"amount": 0}


def test_every_problem_of_a_step_is_reported_at_once_with_part_keys():
    with pytest.raises(FieldErrors) as exc:
        validate_step(
            DEFINITION,
            "about",
            {"applicant": {**NAME, "given_kana": "花子"}, "birth": "平成31年5月1日", "relation": ""},
            context=CTX,
            known={},
        )
    errors = exc.value.as_dict()
    assert set(errors) == {"applicant.given_kana", "birth", "relation"}
    assert errors["birth"] == ["生年月日: 平成31年5月1日は存在しません。令和元年5月1日のことですか？"]
    assert errors["relation"] == ["申請者と対象者の関係を選んでください。"]


def test_validate_all_checks_the_whole_application_and_unknown_keys():
    data = {"applicant": NAME, "birth": "1975-03-03", "relation": "other", "relation_other": "叔母", "amount": 5000,
            "receipt_note": "", "tel": "０９０１２３４５６７８"}  # fmt: skip
    cleaned = validate_all(DEFINITION, data, context=CTX)
    assert cleaned["tel"] == "090-1234-5678"
    assert cleaned["amount"] == 5000
    with pytest.raises(FieldErrors) as exc:
        validate_all(DEFINITION, {**data, "surprise": "x"}, context=CTX)
    assert list(exc.value.as_dict()) == ["surprise"]


def test_validate_all_reports_missing_required_fields_of_every_step():
    with pytest.raises(FieldErrors) as exc:
        validate_all(DEFINITION, {}, context=CTX)
    assert set(exc.value.as_dict()) == {"applicant", "birth", "relation", "amount"}


def test_display_rows_use_each_types_display():
    data = {"applicant": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
            "birth": "1975-03-03", "relation": "self", "amount": 12000}  # fmt: skip
    rows = {row["key"]: row["value"] for row in display_rows(DEFINITION, data)}
    assert rows["applicant"] == "山田 花子（ヤマダ ハナコ）"
    assert rows["birth"] == "1975年3月3日（昭和50年）"
    assert rows["relation"] == "本人"
    assert rows["amount"] == "12,000円"
    assert "relation_other" not in rows


def test_conditions_read_lists_and_parts():
    data = {"ways": ["bus", "car"], "home": {"prefecture": "東京都"}}
    assert condition_holds({"field": "ways", "equals": "car"}, data)
    assert condition_holds({"field": "home.prefecture", "in": ["東京都", "大阪府"]}, data)
    assert condition_holds(
        {"any": [{"field": "x", "not_empty": True}, {"field": "ways", "not_empty": True}]}, data
    )
    assert not condition_holds({"not": {"field": "ways", "in": ["bus"]}}, data)


def test_condition_problems_and_fields():
    assert condition_problems({"field": "a", "equals": "1"}) == []
    assert condition_problems({"field": "a"}) != []
    assert condition_problems({"all": []}) != []
    assert condition_problems({"field": "a", "in": "x"}) != []
    assert condition_fields(
        {"all": [{"field": "a", "equals": 1}, {"not": {"field": "b.c", "not_empty": True}}]}
    ) == [
        "a",
        "b.c",
    ]
