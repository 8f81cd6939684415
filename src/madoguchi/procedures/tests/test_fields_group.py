"""Repeating groups: rows of sub-fields, min/max, add/remove rows without JavaScript."""

import pytest
from django.http import QueryDict

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.lookup import apply_lookup
from madoguchi.procedures.templatetags.procedure_fields import render_field
from madoguchi.procedures.validation import clean_fields, display_rows, parse_step_form

FAMILY = {
    "key": "family",
    "type": "group",
    "label": "ご家族",
    "item_label": "家族",
    "validation": {"min_items": 1, "max_items": 3},
    "fields": [
        {"key": "name", "type": "text", "label": "氏名", "required": True},
        {"key": "age", "type": "integer", "label": "年齢", "unit": "歳"},
        {
            "key": "relation",
            "type": "select",
            "label": "続柄",
            "options": [{"value": "child", "label": "子"}],
        },
    ],
}
DEFINITION = {"steps": [{"key": "a", "title": "家族", "fields": [FAMILY]}]}


def clean(rows):
    return clean_fields([FAMILY], {"family": rows}, context=ValidationContext())


def post(**values):
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key.replace("__", ".")] = value
    return data


def test_rows_are_cleaned_with_each_sub_field_type_and_empty_rows_dropped():
    cleaned = clean([{"name": " 山田 花子 ", "age": "３", "relation": "child"}, {"name": "", "age": ""}])
    assert cleaned == {"family": [{"name": "山田 花子", "age": 3, "relation": "child"}]}


def test_errors_point_at_the_row_and_sub_field():
    with pytest.raises(FieldErrors) as info:
        clean([{"name": "山田 花子", "age": "three"}, {"age": "4"}])
    errors = info.value.as_dict()
    assert "family.0.age" in errors and "family.1.name" in errors
    assert errors["family.1.name"] == ["氏名を入力してください。"]


def test_min_and_max_items_are_enforced():
    optional = {**FAMILY, "validation": {"min_items": 2, "max_items": 3}}
    assert clean_fields([optional], {"family": [{"name": ""}]}, context=ValidationContext()) == {}
    with pytest.raises(FieldErrors) as info:
        clean_fields([optional], {"family": [{"name": "a"}]}, context=ValidationContext())
    assert info.value.as_dict() == {"family": ["ご家族は2件以上入力してください。"]}
    with pytest.raises(FieldErrors) as info:
        clean([{"name": str(n)} for n in range(4)])
    assert "3件まで" in info.value.as_dict()["family"][0]


def test_a_required_group_needs_one_row():
    with pytest.raises(FieldErrors) as info:
        clean_fields([{**FAMILY, "required": True}], {"family": [{}]}, context=ValidationContext())
    assert info.value.as_dict() == {"family": ["ご家族を1件以上入力してください。"]}


def test_form_rows_are_read_by_index_and_rendered_back_with_ids_that_match_errors():
    raw = parse_step_form(
        DEFINITION, "a", post(family__rows="2", family__0__name="山田", family__1__age="x"), {}
    )
    assert raw["family"][0]["name"] == "山田" and raw["family"][1]["age"] == "x"
    with pytest.raises(FieldErrors) as info:
        clean(raw["family"])
    html = render_field(FAMILY, raw["family"], info.value.as_dict())
    for key in info.value.as_dict():
        assert f'id="id_{key}"' in html
    assert 'name="family.rows" value="2"' in html
    assert "家族 2" in html


def test_add_and_remove_buttons_change_rows_without_losing_what_was_typed():
    raw, errors = apply_lookup(
        DEFINITION, "a", post(family__rows="1", family__0__name="山田", **{"lookup:family__add": "1"})
    )
    assert errors == {} and len(raw["family"]) == 2 and raw["family"][0]["name"] == "山田"
    html = render_field(FAMILY, raw["family"], {})
    assert 'name="family.rows" value="2"' in html
    raw, errors = apply_lookup(
        DEFINITION,
        "a",
        post(
            family__rows="2",
            family__0__name="山田",
            family__1__name="花子",
            **{"lookup:family__remove__0": "1"},
        ),
    )
    assert [row["name"] for row in raw["family"]] == ["花子"]


def test_a_row_just_added_stays_until_the_page_is_sent_again():
    raw, _errors = apply_lookup(
        DEFINITION, "a", post(family__rows="1", family__0__name="山田", **{"lookup:family__add": "1"})
    )
    with pytest.raises(FieldErrors):  # keeps the draft "as typed", so the new row is shown
        clean(raw["family"])
    again = parse_step_form(DEFINITION, "a", post(family__rows="2", family__0__name="山田"), {})
    assert clean(again["family"]) == {"family": [{"name": "山田"}]}


def test_no_add_button_at_the_maximum_and_no_remove_below_the_minimum():
    html = render_field(FAMILY, [{"name": "a"}, {"name": "b"}, {"name": "c"}], {})
    assert "lookup:family.add" not in html
    html = render_field(FAMILY, [{"name": "a"}], {})
    assert "lookup:family.remove" not in html and "lookup:family.add" in html


def test_display_lists_each_row():
    rows = display_rows(DEFINITION, {"family": [{"name": "山田", "age": 3, "relation": "child"}]})
    assert rows[0]["value"] == "家族 1（氏名: 山田、年齢: 3歳、続柄: 子）"


def test_groups_cannot_hold_files_or_groups():
    from madoguchi.procedures.definition import check_definition

    bad = {
        **FAMILY,
        "fields": [{"key": "f", "type": "file", "label": "F"}, {"key": "g", "type": "group", "label": "G"}],
    }
    problems = check_definition({"steps": [{"key": "a", "fields": [bad]}]})
    assert sum("グループの中に置けません" in p for p in problems) == 2
