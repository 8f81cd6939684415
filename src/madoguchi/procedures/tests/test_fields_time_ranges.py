"""時刻, 期間 (date_range) and 数値と単位."""

import pytest

from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type

CTX = ValidationContext()


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("9:30", "09:30"),
        ("０９：３０", "09:30"),
        ("9時30分", "09:30"),
        ("9時半", "09:30"),
        ("午後2時", "14:00"),
        ("2pm", "14:00"),
        ("14時", "14:00"),
        ("0930", "09:30"),
        ("午前0時", "00:00"),
        ("23:59", "23:59"),
    ],
)
def test_times_are_read_in_many_forms(typed, stored):
    assert get_field_type("time").clean(typed, {"label": "来庁時刻"}, CTX) == stored


@pytest.mark.parametrize("typed", ["25:00", "9:60", "午後13時", "朝", "9:3:0"])
def test_impossible_times_are_refused(typed):
    with pytest.raises(FieldValidationError) as info:
        get_field_type("time").clean(typed, {"label": "来庁時刻"}, CTX)
    assert "来庁時刻" in str(info.value.message)


def test_time_limits_and_steps():
    spec = {"label": "時刻", "validation": {"min": "09:00", "max": "17:00"}, "step_minutes": 15}
    time = get_field_type("time")
    assert time.clean("16:45", spec, CTX) == "16:45"
    for typed, words in [("8:59", "09:00以降"), ("17:15", "17:00以前"), ("10:10", "15分単位")]:
        with pytest.raises(FieldValidationError) as info:
            time.clean(typed, spec, CTX)
        assert words in str(info.value.message)
    assert time.display("09:05", spec) == "9時05分"
    assert check_definition(
        {
            "steps": [
                {
                    "key": "a",
                    "fields": [{"key": "t", "type": "time", "label": "T", "validation": {"min": "9時"}}],
                }
            ]
        }
    )


RANGE = {"key": "period", "type": "date_range", "label": "休業期間"}


def test_a_date_range_in_wareki_is_stored_in_iso():
    value = get_field_type("date_range").clean({"start": "令和6年4月1日", "end": "2024/4/30"}, RANGE, CTX)
    assert value == {"start": "2024-04-01", "end": "2024-04-30"}
    assert (
        get_field_type("date_range").display(value, RANGE)
        == "2024年4月1日（令和6年）〜2024年4月30日（令和6年）"
    )


def test_an_end_before_the_start_is_refused_on_the_end_date():
    with pytest.raises(FieldValidationError) as info:
        get_field_type("date_range").clean({"start": "2024-04-10", "end": "2024-04-01"}, RANGE, CTX)
    assert set(info.value.parts) == {"end"}
    assert "開始日と同じ日かそれより後" in str(info.value.parts["end"])


def test_a_range_longer_than_allowed_and_missing_parts_are_refused():
    spec = {**RANGE, "validation": {"max_days": 7}}
    with pytest.raises(FieldValidationError) as info:
        get_field_type("date_range").clean({"start": "2024-04-01", "end": "2024-04-08"}, spec, CTX)
    assert "7日以内" in str(info.value.parts["end"])
    with pytest.raises(FieldValidationError) as info:
        get_field_type("date_range").clean({"start": "2024-02-30", "end": ""}, spec, CTX)
    assert set(info.value.parts) == {"start", "end"}


UNIT = {
    "key": "w",
    "type": "number_with_unit",
    "label": "期間",
    "units": [{"value": "month", "label": "か月"}, {"value": "year", "label": "年"}],
    "places": 0,
}


def test_number_with_unit_stores_the_number_as_text_and_the_unit():
    field = get_field_type("number_with_unit")
    assert field.clean({"value": "３", "unit": "year"}, UNIT, CTX) == {"value": "3", "unit": "year"}
    assert field.display({"value": "3", "unit": "year"}, UNIT) == "3年"


def test_number_with_unit_names_the_wrong_part():
    field = get_field_type("number_with_unit")
    with pytest.raises(FieldValidationError) as info:
        field.clean({"value": "1.5", "unit": "week"}, UNIT, CTX)
    assert set(info.value.parts) == {"value", "unit"}


def test_a_single_unit_needs_no_choice():
    field = get_field_type("number_with_unit")
    spec = {**UNIT, "units": [{"value": "kg", "label": "kg"}], "places": 1}
    assert [p.name for p in field.parts_for(spec)] == ["value"]
    assert field.clean({"value": "60.5"}, spec, CTX) == {"value": "60.5", "unit": "kg"}
