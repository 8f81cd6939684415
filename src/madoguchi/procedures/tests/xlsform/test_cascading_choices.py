"""XLSForm cascading choices (choice_filter): on later pages, in fields.js, checked on the server, problems at the cell."""

from __future__ import annotations

import pytest

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.tests.xlsform.samples import (
    CASCADE,
    problems_of,
    workbook,
)
from madoguchi.procedures.validation import validate_all
from madoguchi.procedures.xlsform import definition_from_xlsform


def test_cascading_choices_on_a_later_page_show_only_the_options_that_fit_the_earlier_answer():
    from madoguchi.procedures.steps import step_fields

    definition, _settings = definition_from_xlsform(CASCADE)
    detail = definition["steps"][1]
    city, town = step_fields(detail, {"pref": "osaka"})
    assert [o["value"] for o in city["spec"]["options"]] == ["sakai"], "narrowed on the server"
    assert town["spec"]["options"] == detail["fields"][1]["options"], "its parent is on the same page"
    assert "「市区町村」の答えに合うものを選んでください" in town["hint"]
    assert [o["value"] for o in step_fields(detail, {})[0]["spec"]["options"]] == ["shinjuku", "sakai"]


def test_cascading_choices_render_their_filter_for_fields_js():
    from madoguchi.procedures.templatetags.procedure_fields import render_field

    definition, _settings = definition_from_xlsform(CASCADE)
    town = definition["steps"][1]["fields"][1]
    html = render_field(town, "mihara")
    assert 'data-choice-filter="city"' in html
    assert 'data-choice="shinjuku"' in html and 'data-choice="sakai"' in html


def test_a_three_level_cascade_is_checked_on_the_server():
    definition, _settings = definition_from_xlsform(CASCADE)
    context = ValidationContext()
    assert validate_all(definition, {"pref": "tokyo", "city": "shinjuku", "town": "yotsuya"}, context=context)
    with pytest.raises(FieldErrors) as info:
        validate_all(definition, {"pref": "tokyo", "city": "shinjuku", "town": "mihara"}, context=context)
    assert list(info.value.as_dict()) == ["town"]


@pytest.mark.parametrize(
    ("choice_filter", "reason"),
    [
        ("selected(${pref}, pref)", "列名=${項目}"),
        ("pref=${pref} and city != ''", "列名=${項目}"),
        ("prefecture=${pref}", "「prefecture」の列がありません"),
        ("pref=${nowhere}", "「${nowhere}」という項目はありません"),
    ],
)
def test_a_choice_filter_that_does_not_map_is_reported_at_its_cell(choice_filter, reason):
    data = workbook(
        survey=[
            ["type", "name", "label", "choice_filter"],
            ["select_one pref", "pref", "都道府県", ""],
            ["select_one city", "city", "市区町村", choice_filter],
        ],
        choices=[
            ["list_name", "name", "label", "pref"],
            ["pref", "tokyo", "東京都", ""],
            ["city", "shinjuku", "新宿区", "tokyo"],
        ],
    )
    (problem,) = problems_of(data)
    assert problem.startswith("surveyシート 3行目 D列（choice_filter）") and reason in problem
