"""口座: codes zero-padded, 種別 from a list, 名義カナ converted to the characters banks allow."""

import pytest

from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type
from madoguchi.procedures.fields.bank import to_zengin

SPEC = {"key": "bank", "type": "bank_account", "label": "振込先口座", "required": True}
bank = get_field_type("bank_account")


def clean(**parts):
    raw = {
        "bank_code": "0001",
        "branch_code": "001",
        "account_type": "ordinary",
        "account_number": "1234567",
        "holder_kana": "ヤマダ タロウ",
        **parts,
    }
    return bank.clean(raw, SPEC, ValidationContext())


def test_a_complete_account_is_stored_in_bank_format():
    assert clean() == {
        "bank_code": "0001",
        "branch_code": "001",
        "account_type": "ordinary",
        "account_number": "1234567",
        "holder_kana": "ﾔﾏﾀﾞ ﾀﾛｳ",
    }


def test_short_account_numbers_and_codes_are_zero_padded_and_fullwidth_digits_accepted():
    value = clean(bank_code="１", branch_code="12", account_number="１２３４５")
    assert (value["bank_code"], value["branch_code"], value["account_number"]) == ("0001", "012", "0012345")


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("ｻﾄｳ ｼﾞﾛｳ", "ｻﾄｳ ｼﾞﾛｳ"),
        ("キッカワ ショウコ", "ｷﾂｶﾜ ｼﾖｳｺ"),
        ("サトー", "ｻﾄ-"),
        ("カ）マドグチ", "ｶ)ﾏﾄﾞｸﾞﾁ"),
        ("yamada taro", "YAMADA TARO"),
    ],
)
def test_holder_names_are_converted_to_bank_characters(typed, stored):
    assert to_zengin(typed) == stored


def test_kanji_in_the_holder_name_is_refused_on_that_part():
    with pytest.raises(FieldValidationError) as info:
        clean(holder_kana="山田 太郎")
    assert set(info.value.parts) == {"holder_kana"}
    assert "カタカナ" in str(info.value.parts["holder_kana"])


@pytest.mark.parametrize(
    "part,typed,words",
    [
        ("bank_code", "12345", "4桁"),
        ("branch_code", "12a", "3桁"),
        ("account_number", "12345678", "7桁まで"),
        ("account_type", "定期", "普通・当座・貯蓄"),
    ],
)
def test_each_wrong_part_gets_its_own_message(part, typed, words):
    with pytest.raises(FieldValidationError) as info:
        clean(**{part: typed})
    assert words in str(info.value.parts[part])


def test_japanese_account_type_words_are_understood():
    assert clean(account_type="当座")["account_type"] == "current"


def test_missing_parts_are_named():
    with pytest.raises(FieldValidationError) as info:
        clean(branch_code="", holder_kana="")
    assert "振込先口座の支店コード（3桁）を入力してください。" == str(info.value.parts["branch_code"])
    assert "holder_kana" in info.value.parts


def test_display_reads_like_a_bank_slip():
    assert bank.display(clean(), SPEC) == "金融機関 0001 支店 001 普通 1234567 ﾔﾏﾀﾞ ﾀﾛｳ"
