"""Which field type an XLSForm question is read as, and written from: the types say it themselves
(``xlsform_question``, ``xlsform_appearance``, ``xlsform_reads`` in procedures/fields/base.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from madoguchi.procedures.fields import registry
from madoguchi.procedures.xlsform.importer import read_as


def test_each_question_and_appearance_is_read_as_one_type_at_most():
    read = Counter((t.xlsform_question, t.xlsform_appearance) for t in registry.values() if t.xlsform_reads)
    assert [pair for pair, types in read.items() if types > 1] == []


@pytest.mark.parametrize(
    ("question", "appearance", "type_id"),
    [
        ("text", "", "text"),
        ("text", "multiline", "textarea"),
        ("text", "multiline numbers", "textarea"),
        ("integer", "", "integer"),
        ("decimal", "", "decimal"),
        ("date", "", "date"),
        ("time", "", "time"),
        ("note", "", "info"),
        ("calculate", "", "computed"),
        ("file", "", "file"),
        ("image", "", "file"),
        ("acknowledge", "", "consent"),
        ("select_one", "", "radio"),
        ("select_one", "minimal", "select"),
        ("select_one", "likert", "radio"),
        ("select_multiple", "", "checkboxes"),
        ("begin_repeat", "", "group"),
    ],
)
def test_a_question_is_read_as_the_type_that_reads_it(question, appearance, type_id):
    field_type = read_as(question, appearance)
    assert field_type is not None and field_type.type_id == type_id


@pytest.mark.parametrize("question", ["geopoint", "barcode", "audio", "range", "rank", "begin_group"])
def test_a_question_no_type_reads_is_read_as_none(question):
    assert read_as(question) is None


def test_a_type_without_its_own_question_is_written_as_text_and_read_back_by_its_bind_column():
    assert registry["money"].xlsform_question == "integer" and not registry["money"].xlsform_reads
    for type_id in ("name", "address", "postal_code", "phone", "email", "mynumber", "bank_account"):
        assert registry[type_id].xlsform_question == "text" and not registry[type_id].xlsform_reads
