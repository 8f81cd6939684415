"""氏名 and フリガナ."""

import pytest

from madoguchi.procedures import furigana
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type

NAME = get_field_type("name")
SPEC = {"key": "applicant", "type": "name", "label": "氏名", "required": True}


def clean(raw, **spec):
    return NAME.clean(raw, {**SPEC, **spec}, ValidationContext())


def test_hiragana_readings_are_stored_in_katakana():
    value = clean({"family": "山田", "given": "太郎", "family_kana": "やまだ", "given_kana": "たろう"})
    assert value == {"family": "山田", "given": "太郎", "family_kana": "ヤマダ", "given_kana": "タロウ"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ｻｲﾄｳ", "サイトウ"),
        ("ｶﾞｯｺｳ", "ガッコウ"),
        ("ヤマダ", "ヤマダ"),
        ("ゔぃくとりあ", "ヴィクトリア"),
        ("ｺｰﾀﾞ", "コーダ"),
        ("こ-だ", "コーダ"),
        ("ジョン・スミス", "ジョン・スミス"),
        ("ファン　デル　ワール", "ファン\u3000デル\u3000ワール"),
        ("ファン  デル", "ファン\u3000デル"),
    ],
)
def test_readings_are_normalized_to_full_width_katakana(typed, stored):
    assert furigana.to_katakana(typed) == stored


@pytest.mark.parametrize("typed", ["山田", "Yamada", "ヤマダ1", "やまだ太郎"])
def test_a_reading_with_kanji_or_latin_letters_is_refused_on_the_kana_part(typed):
    with pytest.raises(FieldValidationError) as exc:
        clean({"family": "山田", "given": "太郎", "family_kana": typed, "given_kana": "タロウ"})
    assert set(exc.value.parts) == {"family_kana"}
    assert "カタカナで入力してください" in str(exc.value.parts["family_kana"])
    assert str(exc.value.parts["family_kana"]).startswith("氏名のセイ（フリガナ）")


def test_missing_parts_are_reported_each_on_its_own_part():
    with pytest.raises(FieldValidationError) as exc:
        clean({"family": "山田", "given": "", "family_kana": "", "given_kana": "タロウ"})
    assert set(exc.value.parts) == {"given", "family_kana"}
    assert str(exc.value.parts["given"]) == "氏名の名を入力してください。"


def test_kana_can_be_switched_off():
    spec = {**SPEC, "kana": False}
    assert [p.name for p in NAME.parts_for(spec)] == ["family", "given"]
    assert clean({"family": "山田", "given": "太郎"}, kana=False) == {"family": "山田", "given": "太郎"}


def test_spaces_inside_a_name_are_collapsed_and_trimmed():
    value = clean(
        {"family": " 山田 ", "given": "太郎  次郎", "family_kana": "ヤマダ", "given_kana": "タロウ ジロウ"}
    )
    assert value["family"] == "山田"
    assert value["given"] == "太郎 次郎"


def test_a_name_that_is_not_split_into_parts_is_refused():
    with pytest.raises(FieldValidationError):
        clean("山田 太郎")


def test_display_shows_the_name_with_its_reading():
    value = {"family": "山田", "given": "太郎", "family_kana": "ヤマダ", "given_kana": "タロウ"}
    assert NAME.display(value, SPEC) == "山田 太郎（ヤマダ タロウ）"
    assert NAME.display({"family": "山田", "given": "太郎"}, {**SPEC, "kana": False}) == "山田 太郎"
