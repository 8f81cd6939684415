"""Radio buttons, checkboxes, consent and information blocks."""

import pytest
from django.http import QueryDict

from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type

OPTIONS = [
    {"value": "bus", "label": "バス"},
    {"value": "train", "label": "電車"},
    {"value": "car", "label": "車"},
]
CHECKBOXES = {"key": "ways", "type": "checkboxes", "label": "交通手段", "options": OPTIONS}
CONSENT = {
    "key": "agree",
    "type": "consent",
    "label": "個人情報の取扱い",
    "statement": "…に同意します。",
    "required": True,
}


def clean(spec, raw):
    return get_field_type(spec["type"]).clean(raw, spec, ValidationContext())


def test_a_radio_answer_must_be_one_of_the_options():
    spec = {"key": "way", "type": "radio", "label": "交通手段", "options": OPTIONS}
    assert clean(spec, "bus") == "bus"
    with pytest.raises(FieldValidationError) as exc:
        clean(spec, "plane")
    assert str(exc.value.message) == "交通手段は一覧から選んでください。"
    assert get_field_type("radio").display("train", spec) == "電車"


def test_checkboxes_store_the_chosen_values_in_option_order_without_duplicates():
    assert clean(CHECKBOXES, ["car", "bus", "car"]) == ["bus", "car"]
    assert clean(CHECKBOXES, "train") == ["train"]


def test_checkboxes_are_read_from_every_checked_box_of_the_form():
    post = QueryDict("ways=bus&ways=car")
    assert get_field_type("checkboxes").parse_form(CHECKBOXES, post, {}) == ["bus", "car"]
    assert get_field_type("checkboxes").parse_form(CHECKBOXES, QueryDict(""), {}) == []


def test_checkboxes_refuse_an_unknown_value():
    with pytest.raises(FieldValidationError):
        clean(CHECKBOXES, ["bus", "plane"])


def test_checkboxes_min_and_max_items():
    spec = {**CHECKBOXES, "validation": {"min_items": 2, "max_items": 2}}
    with pytest.raises(FieldValidationError) as exc:
        clean(spec, ["bus"])
    assert str(exc.value.message) == "交通手段は2つ以上選んでください。"
    with pytest.raises(FieldValidationError) as exc:
        clean(spec, ["bus", "train", "car"])
    assert "2つまで" in str(exc.value.message)


def test_checkboxes_are_displayed_with_their_labels():
    assert get_field_type("checkboxes").display(["bus", "car"], CHECKBOXES) == "バス、車"


def test_consent_is_stored_as_true_when_checked():
    assert clean(CONSENT, "yes") is True
    assert clean(CONSENT, True) is True
    assert get_field_type("consent").display(True, CONSENT) == "同意する"


def test_an_unchecked_consent_counts_as_empty_so_required_means_it_must_be_checked():
    consent = get_field_type("consent")
    for unchecked in ("", None, False, "false", "off"):
        assert consent.is_empty(unchecked)
    assert "同意いただけないと申請できません" in str(consent.required_message(CONSENT))


def test_info_blocks_carry_no_value():
    info = get_field_type("info")
    assert info.has_value is False
    assert info.check_spec({"key": "i", "type": "info"}) == ["説明文（text）を設定してください。"]
