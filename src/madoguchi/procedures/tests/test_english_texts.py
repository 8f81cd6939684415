"""English texts of a definition (issue 13): shown when the page is in English, edited in the builder."""

import pytest
from django.template import Context, Template
from django.utils import translation

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.builder.forms import field_form_values, read_field_form
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.translations import localize
from madoguchi.procedures.validation import clean_fields, display_rows

RADIO = {
    "key": "kind",
    "type": "radio",
    "label": "区分",
    "label_en": "Category",
    "help": "当てはまるものを選んでください。",
    "help_en": "Choose the one that applies.",
    "required": True,
    "options": [{"value": "a", "label": "本人", "label_en": "Yourself"}, {"value": "b", "label": "家族"}],
}
RENDER = Template("{% load procedure_fields %}{% render_field spec value errors %}")


def test_the_english_label_help_and_options_are_shown_when_the_page_is_in_english():
    with translation.override("en"):
        html = RENDER.render(Context({"spec": RADIO, "value": None, "errors": {}}))
    assert "Category" in html and "Choose the one that applies." in html and "Yourself" in html
    assert "家族" in html  # an option without English keeps its Japanese label
    with translation.override("ja"):
        html = RENDER.render(Context({"spec": RADIO, "value": None, "errors": {}}))
    assert "区分" in html and "Category" not in html


def test_messages_and_the_confirmation_rows_use_the_english_label_in_english():
    with translation.override("en"), pytest.raises(FieldErrors) as info:
        clean_fields([RADIO], {}, context=ValidationContext())
    assert "Category" in info.value.as_dict()["kind"][0]
    definition = {"steps": [{"key": "s", "title": "申請者", "title_en": "Applicant", "fields": [RADIO]}]}
    with translation.override("en"):
        rows = display_rows(definition, {"kind": "a"})
    assert (
        rows[0]["label"] == "Category"
        and rows[0]["value"] == "Yourself"
        and rows[0]["step_title"] == "Applicant"
    )


def test_localize_leaves_japanese_pages_and_values_alone():
    assert localize(RADIO, None) is RADIO
    assert [o["value"] for o in localize(RADIO, "en")["options"]] == ["a", "b"]


def test_the_builder_edits_the_english_label_and_help():
    from django.http import QueryDict

    values = field_form_values(RADIO)
    assert values["label_en"] == "Category"
    post = QueryDict(mutable=True)
    post.update(
        {"key": "kind", "label": "区分", "label_en": "Type", "help_en": "", "opt.options": "a: 本人\nb: 家族"}
    )
    new, errors, _values = read_field_form(RADIO, post)
    assert errors == {} and new["label_en"] == "Type" and "help_en" not in new
    assert new["options"][0]["label_en"] == "Yourself"  # kept while the options are edited in Japanese


@pytest.mark.parametrize(
    ("template", "one", "many"),
    [
        ("reservations/_party_field.html", "1 person", "2 people"),
    ],
)
def test_counts_of_people_read_as_english_in_english(template, one, many):
    """ "1 people" (issue 13): the people-count texts are plural forms in the catalog."""
    from django.template import engines

    source = (
        '{% load i18n %}{% blocktranslate context "people" count n=n %}{{ n }}人{% plural %}{{ n }}人'
        "{% endblocktranslate %}"
    )
    render = engines["django"].from_string(source).render
    with translation.override("en"):
        assert render({"n": 1}) == one and render({"n": 2}) == many
    with translation.override("ja"):
        assert render({"n": 1}) == "1人"
    path = __import__("pathlib").Path(__file__).resolve().parents[2] / "reservations" / "templates" / template
    assert 'context "people" count' in path.read_text(encoding="utf-8")


def test_no_template_counts_people_without_a_plural_form():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for path in root.glob("*/templates/**/*.html")
        if re.search(
            r"\{% blocktranslate (?:with [^%]*)?%\}[^{]*\{\{ ?\w+ ?\}\} ?人(?:に|です|の承認|\{%)",
            path.read_text(encoding="utf-8"),
        )
    ]
    assert offenders == []
