"""Export/import: JSON round trip is exact; the CSV data dictionary opens in Excel."""

import csv
import io
import json

import pytest

from madoguchi.accounts.constants import Role
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_organization, make_procedure, make_staff
from madoguchi.procedures import exchange, services

pytestmark = pytest.mark.django_db

RICH = {
    "steps": [
        {
            "key": "about",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "name", "label": "氏名", "required": True},
                {
                    "key": "birth",
                    "type": "date",
                    "label": "生年月日",
                    "required": True,
                    "validation": {"past_only": True},
                },
                {
                    "key": "kind",
                    "type": "radio",
                    "label": "種別",
                    "options": [{"value": "a", "label": "本人"}, {"value": "b", "label": "家族"}],
                },
                {
                    "key": "family",
                    "type": "group",
                    "label": "家族",
                    "item_label": "家族",
                    "show_if": {"expr": "kind == 'b'"},
                    "fields": [{"key": "age", "type": "integer", "label": "年齢", "unit": "歳"}],
                },
                {
                    "key": "total",
                    "type": "computed",
                    "label": "人数",
                    "expression": "count(family.age) + 1",
                    "format": "integer",
                },
            ],
            "checks": [
                {"kind": "eligibility", "rule": "age(birth) >= 18", "message": "18歳以上の方が対象です。"}
            ],
        }
    ]
}


def test_export_then_import_then_export_gives_the_same_bytes():
    org = make_organization()
    owner = make_staff(org, role=Role.OWNER)
    procedure = make_procedure(
        org,
        definition=RICH,
        title="家族手当の申請",
        life_events=["childcare"],
        standard_processing_days=10,
        contact="人事課",
    )
    first = exchange.export_json(procedure, procedure.current_version.definition)
    imported = exchange.procedure_import(actor=owner, organization=make_staff_org(owner), data=first.encode())
    second = exchange.export_json(imported, imported.draft.definition)
    assert second == first
    assert json.loads(second)["definition"] == RICH


def make_staff_org(owner):
    return owner.memberships.first().organization


@pytest.mark.parametrize(
    "data,words",
    [
        (b"{", "JSONとして読めません"),
        (b'{"format": "other"}', "書き出しファイルではありません"),
        (
            b'{"format": "madoguchi.procedure", "format_version": 9, "procedure": {}, "definition": {}}',
            "対応していません",
        ),
        ("\udcff".encode("utf-8", "surrogatepass"), "UTF-8"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, words):
    owner = make_staff(make_organization(), role=Role.OWNER)
    with pytest.raises(FieldErrors) as info:
        exchange.procedure_import(actor=owner, organization=make_staff_org(owner), data=data)
    assert words in info.value.as_dict()["file"][0]


def test_importing_into_a_draft_keeps_undo():
    org = make_organization()
    owner = make_staff(org, role=Role.OWNER)
    procedure = make_procedure(org)
    document = exchange.export_json(procedure, RICH)
    draft = exchange.procedure_import_into_draft(actor=owner, procedure=procedure, data=document)
    assert draft.definition == RICH
    assert (
        services.procedure_draft_undo(actor=owner, procedure=procedure).definition
        == procedure.current_version.definition
    )


def test_the_data_dictionary_is_utf8_with_bom_and_lists_every_field_and_rule():
    data = exchange.data_dictionary_csv(RICH)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["手順", "手順key", "項目key", "見出し"]
    keys = [row[2] for row in rows[1:]]
    assert keys == ["name", "birth", "kind", "family", "family.age", "total", ""]
    family = rows[4]
    assert family[7] == "「種別」で「家族」を選んだ"
    assert rows[1][6] == "はい" and rows[3][10] == "a: 本人 / b: 家族"
    assert rows[-1][3] == "18歳以上の方が対象です。" and rows[-1][7] == "「生年月日」から計算した年齢が18以上"
