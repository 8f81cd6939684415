"""XLSForm round trips: export then import gives back every field type, every demo procedure, an ODK form."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from madoguchi.demo import loader
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.fields import registry
from madoguchi.procedures.tests.xlsform.samples import (
    HOUSEHOLD,
    every_type_in_every_place,
    one_field_of_every_type,
    round_trip,
)
from madoguchi.procedures.xlsform import definition_from_xlsform, xlsform_bytes


def test_export_then_import_gives_back_every_field_type_exactly():
    definition = one_field_of_every_type()
    assert check_definition(definition) == []
    assert round_trip(definition) == definition


@pytest.mark.parametrize("path", loader.procedure_files(), ids=lambda p: p.stem)
def test_export_then_import_gives_back_every_demo_procedure_exactly(path):
    definition = json.loads(path.read_text(encoding="utf-8"))["definition"]
    assert round_trip(definition) == definition


def test_import_of_an_odk_form_then_export_then_import_is_stable():
    first, _ = definition_from_xlsform(HOUSEHOLD)
    assert round_trip(first) == first


def test_the_export_is_a_valid_xlsform_for_odk_tools(tmp_path):
    from pyxform.xls2xform import convert

    path = tmp_path / "form.xlsx"
    path.write_bytes(xlsform_bytes(one_field_of_every_type(), title="全種類", form_id="every_type"))
    result = convert(xlsform=str(path))
    assert "<h:title>全種類</h:title>" in result.xform
    sheet = load_workbook(path, read_only=True)["survey"]
    header = next(sheet.iter_rows(values_only=True))
    assert "label::English (en)" in header and "bind::madoguchi:type" in header


def test_export_then_import_gives_back_every_field_type_in_every_place_with_both_languages():
    definition = every_type_in_every_place()
    assert check_definition(definition) == []
    assert round_trip(definition) == definition


def test_the_export_says_constraints_and_row_conditions_in_xlsform_columns(tmp_path):
    from pyxform.xls2xform import convert

    data = xlsform_bytes(every_type_in_every_place(), title="全種類", form_id="every_type")
    sheet = load_workbook(io.BytesIO(data), read_only=True)["survey"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_name: dict[str, dict] = {}
    for row in rows[1:]:
        by_name.setdefault(row[header.index("name")], dict(zip(header, row, strict=True)))
    assert by_name["f_integer"]["constraint"] == ". <= 100"
    assert by_name["f_integer"]["constraint_message::English (en)"] == "100 or less"
    assert by_name["sub_integer"]["constraint"] == ". <= 10"
    assert by_name["sub_date"]["constraint"] is None, "age() has no XPath: the check travels in the JSON"
    assert by_name["rows"]["relevant"] == "${f_integer} > 0"
    assert (
        by_name[f"sub_{sorted(t for t in registry if registry[t].groupable and t != 'group')[-1]}"][
            "relevant"
        ]
        == "${sub_integer} >= 1"
    )
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    assert "<h:title>全種類</h:title>" in convert(xlsform=str(path)).xform


def test_a_constraint_edited_in_excel_wins_over_the_exported_check():
    definition = every_type_in_every_place()
    book = load_workbook(io.BytesIO(xlsform_bytes(definition)))
    sheet = book["survey"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("name")].value == "f_integer":
            row[header.index("constraint")].value = ". <= 50"
            row[header.index("constraint_message")].value = "50以下"
    out = io.BytesIO()
    book.save(out)
    imported, _settings = definition_from_xlsform(out.getvalue())
    assert imported["steps"][0]["checks"] == [
        {"rule": "f_integer <= 50", "message": "50以下", "message_en": "100 or less", "field": "f_integer"},
        {"rule": "f_integer != 7", "message": "7以外", "field": "f_integer"},
    ]
