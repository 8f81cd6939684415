"""Input consistency (issue 13): full-width folding, 年月, check digits, messages per field type."""

from __future__ import annotations

import re

import pytest

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.checkdigits import CHECKS, is_corporate_number, is_insurer_number
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type
from madoguchi.procedures.validation import clean_fields

CTX = ValidationContext()


def clean(spec: dict, raw):
    return get_field_type(spec["type"]).clean(raw, spec, CTX)


def message_of(spec: dict, raw) -> str:
    with pytest.raises(FieldValidationError) as info:
        clean(spec, raw)
    return str(info.value.message)


def required_message(spec: dict) -> str:
    with pytest.raises(FieldErrors) as info:
        clean_fields([spec], {}, context=CTX)
    return info.value.as_dict()[spec["key"]][0]


# ---------------------------------------------------------------------------- full width


MEMBER_NUMBER = {
    "key": "member_number",
    "type": "text",
    "label": "組合員番号",
    "validation": {"pattern": "[0-9]{8}", "pattern_message": "組合員番号は数字8桁で入力してください。"},
}


def test_a_member_number_typed_in_full_width_digits_is_accepted_and_stored_half_width():
    assert clean(MEMBER_NUMBER, "１２３４５６７８") == "12345678"


def test_text_fields_fold_full_width_letters_and_digits_but_keep_japanese_punctuation():
    spec = {"key": "note", "type": "textarea", "label": "備考"}
    assert clean(spec, "ＡＢＣ（株）　第１営業部！") == "ABC（株）　第1営業部！"


# ---------------------------------------------------------------------------- 年月

MONTH = {"key": "month", "type": "year_month", "label": "受診した月"}


@pytest.mark.parametrize(
    "typed",
    [
        "令和8年10月",
        "2026-10",
        "2026/10",
        "2026年10月",
        "R8.10",
        "R8/10",
        "令8.10",
        "202610",
        "２０２６－１０",
    ],
)
def test_a_year_month_field_reads_every_common_way_of_writing_a_month(typed):
    assert clean(MONTH, typed) == "2026-10"


def test_a_month_outside_its_era_is_refused_with_the_month_probably_meant():
    assert "平成31年4月のことですか" in message_of(MONTH, "令和元年4月")
    assert clean(MONTH, "令和元年5月") == "2019-05"
    assert "月は1〜12" in message_of(MONTH, "2026年13月")


def test_a_year_month_is_displayed_with_its_era_and_bounded_by_months():
    field_type = get_field_type("year_month")
    assert field_type.display("2026-10", MONTH) == "2026年10月（令和8年）"
    bounded = {**MONTH, "validation": {"min": "2024-04", "max": "2026-03"}}
    assert "2024年4月（令和6年）以降" in message_of(bounded, "2024-03")
    assert field_type.check_spec({**MONTH, "validation": {"min": "april"}})


# ---------------------------------------------------------------------------- check digits

CORPORATE = {"key": "corporate_number", "type": "corporate_number", "label": "法人番号"}


def test_a_corporate_number_is_checked_by_its_check_digit():
    assert clean(CORPORATE, "７０００－０１２０５０００２") == "7000012050002"
    assert "確認用の数字が合いません" in message_of(CORPORATE, "1234567890123")
    assert "13桁" in message_of(CORPORATE, "12345")


def test_the_example_in_every_check_digit_message_is_itself_valid():
    for check_id, check in CHECKS.items():
        assert check.valid(check.example), check_id
    text = message_of(CORPORATE, "1234567890123")
    example = re.search(r"例: (\d+)", text)[1]
    assert is_corporate_number(example)


def test_a_text_field_can_verify_other_check_digits():
    spec = {
        "key": "insurer",
        "type": "text",
        "label": "保険者番号",
        "validation": {"check_digit": "insurer_number"},
    }
    assert is_insurer_number("06130017") and not is_insurer_number("06130018")
    assert clean(spec, "０６１３００１７") == "06130017"
    assert "確認用の数字が合いません" in message_of(spec, "06130018")
    assert get_field_type("text").check_spec({**spec, "validation": {"check_digit": "nope"}})


# ---------------------------------------------------------------------------- messages


def test_a_question_label_gets_a_message_written_for_a_question():
    radio = {
        "key": "civil_servant",
        "type": "radio",
        "label": "公務員ですか",
        "required": True,
        "options": [{"value": "no", "label": "公務員ではない"}, {"value": "yes", "label": "公務員である"}],
    }
    message = required_message(radio)
    assert "公務員ですかを" not in message
    assert message == "「公務員ですか」について、当てはまるものを選んでください。"
    assert message_of(radio, "maybe") == "「公務員ですか」の答えは一覧から選んでください。"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "text", "label": "氏名"}, "氏名を入力してください。"),
        (
            {"type": "select", "label": "区分", "options": [{"value": "a", "label": "A"}]},
            "区分を選んでください。",
        ),
        (
            {"type": "yes_no", "label": "扶養家族がいますか"},
            "「扶養家族がいますか」について、「はい」か「いいえ」を選んでください。",
        ),
        (
            {
                "type": "checkboxes",
                "label": "どの交通機関を使いますか？",
                "options": [{"value": "a", "label": "A"}],
            },
            "「どの交通機関を使いますか？」について、当てはまるものを1つ以上選んでください。",
        ),
        ({"type": "file", "label": "領収書"}, "領収書のファイルを選んでください。"),
    ],
)
def test_required_messages_are_written_per_field_type(spec, expected):
    assert required_message({"key": "f", "required": True, **spec}) == expected
