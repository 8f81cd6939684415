"""Integers, amounts of money and decimals."""

import pytest

from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type


def clean(type_id, raw, **spec):
    spec = {"key": "n", "type": type_id, "label": "金額" if type_id == "money" else "人数", **spec}
    return get_field_type(type_id).clean(raw, spec, ValidationContext())


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1000", 1000), ("1,000", 1000), ("１０００円", 1000), ("1000円", 1000), ("¥1,000", 1000),
     ("￥１，０００", 1000), ("1万2000円", 12000), ("3万円", 30000), (2500, 2500), ("0", 0)],
)  # fmt: skip
def test_money_accepts_how_people_write_amounts(typed, stored):
    assert clean("money", typed) == stored


@pytest.mark.parametrize(
    ("typed", "hint"),
    [("-500", "0円以上"), ("1000.5", "1円単位"), ("千円", "数字で"), ("abc", "数字で")],
)
def test_money_refuses_what_is_not_a_whole_non_negative_amount(typed, hint):
    with pytest.raises(FieldValidationError) as exc:
        clean("money", typed)
    assert hint in str(exc.value.message)
    assert str(exc.value.message).startswith("金額")


def test_money_limits_are_shown_in_yen():
    with pytest.raises(FieldValidationError) as exc:
        clean("money", "1,000,001", validation={"min": 1, "max": 1000000})
    assert str(exc.value.message) == "金額は1円〜1,000,000円の範囲で入力してください。"


def test_money_is_displayed_with_commas_and_yen():
    assert get_field_type("money").display(12000, {}) == "12,000円"


@pytest.mark.parametrize(
    ("typed", "stored"), [("3", 3), ("３", 3), ("1,200", 1200), ("-2", -2), ("5人", 5), (7, 7)]
)
def test_integer_accepts_full_width_digits_commas_and_its_unit(typed, stored):
    assert clean("integer", typed, unit="人") == stored


def test_integer_refuses_fractions_and_words():
    with pytest.raises(FieldValidationError) as exc:
        clean("integer", "2.5")
    assert "整数" in str(exc.value.message)
    with pytest.raises(FieldValidationError):
        clean("integer", "三")
    with pytest.raises(FieldValidationError):
        clean("integer", True)


def test_integer_min_and_max():
    assert clean("integer", "10", validation={"min": 1, "max": 10}) == 10
    with pytest.raises(FieldValidationError) as exc:
        clean("integer", "0", validation={"min": 1})
    assert str(exc.value.message) == "人数は1以上で入力してください。"


def test_decimal_is_stored_as_a_string_with_its_places():
    assert clean("decimal", "12.5", places=2) == "12.50"
    assert clean("decimal", "１２．５") == "12.5"
    assert clean("decimal", "1,234.5") == "1234.5"
    assert clean("decimal", "-0", places=1) == "0.0"


def test_decimal_refuses_too_many_places_and_out_of_range_values():
    with pytest.raises(FieldValidationError) as exc:
        clean("decimal", "12.345", places=2)
    assert "小数点以下2桁" in str(exc.value.message)
    with pytest.raises(FieldValidationError):
        clean("decimal", "100.1", validation={"max": "100"})
    with pytest.raises(FieldValidationError):
        clean("decimal", "NaN")
