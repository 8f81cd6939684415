"""The version diff in Japanese, and drag-and-drop moves through the operation endpoint."""

import copy

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import SIMPLE_DEFINITION, make_organization, make_procedure, make_staff
from madoguchi.procedures.conditions import to_expression
from madoguchi.procedures.diff import definition_diff


def texts(old, new):
    return [c.text for c in definition_diff(old, new)]


def test_every_kind_of_change_is_named_in_japanese():
    new = copy.deepcopy(SIMPLE_DEFINITION)
    about, detail = new["steps"]
    about["fields"][0]["label"] = "お名前"
    about["fields"][1]["required"] = True
    about["fields"][1]["type"] = "text"
    detail["fields"][0]["options"][0]["label"] = "一般"
    detail["fields"][0]["options"].append({"value": "b", "label": "特別"})
    detail["fields"][1]["show_if"] = {"expr": "kind in ['other', 'b']"}
    detail["fields"][1]["validation"] = {"max_length": 50}
    detail["checks"] = [{"rule": "kind != 'b'", "message": "特別は受け付けていません。"}]
    new["steps"].append(
        {"key": "extra", "title": "添付", "fields": [{"key": "tel", "type": "phone", "label": "電話番号"}]}
    )
    assert texts(SIMPLE_DEFINITION, new) == [
        "手順『添付』を追加",
        "『氏名』の見出しを『お名前』に変更",
        "『備考』の種類を「複数行テキスト」から「1行テキスト」に変更",
        "『備考』を必須に変更",
        "『種別』の選択肢「種別A」を「一般」に変更",
        "『種別』に選択肢「特別」を追加",
        "『その他の内容』の表示する条件を変更: 「種別」が「その他」・「特別」のいずれか",
        "『その他の内容』の入力チェックを変更（max_length: なし → 50）",
        "項目『電話番号』を追加（手順『添付』、電話番号）",
        "入力内容のチェックを追加: 特別は受け付けていません。",
    ]


def test_removals_moves_and_order_changes():
    new = copy.deepcopy(SIMPLE_DEFINITION)
    about, detail = new["steps"]
    moved = about["fields"].pop(1)
    detail["fields"].insert(0, moved)
    detail["fields"].pop()  # kind_other
    new["steps"].reverse()
    result = texts(SIMPLE_DEFINITION, new)
    assert "手順の順番を変更" in result
    assert "項目『備考』を手順『内容』に移動" in result
    assert "項目『その他の内容』を削除" in result
    assert texts(SIMPLE_DEFINITION, SIMPLE_DEFINITION) == []


@pytest.mark.parametrize(
    "cond,expression",
    [
        ({"field": "kind", "equals": "other"}, "kind == 'other'"),
        ({"field": "ways", "in": ["bus", "it's"]}, "ways in ['bus', 'it\\'s']"),
        ({"field": "note", "not_empty": True}, "not empty(note)"),
        (
            {"any": [{"field": "a", "equals": 1}, {"not": {"field": "b", "not_empty": False}}]},
            "(a == 1) or (not (empty(b)))",
        ),
        ({"expr": "x > 1"}, "x > 1"),
    ],
)
def test_json_conditions_become_expressions_with_the_same_meaning(cond, expression):
    from madoguchi.procedures.conditions import condition_holds

    assert to_expression(cond) == expression
    for data in (
        {},
        {"kind": "other", "ways": ["it's"], "note": "x", "a": 1, "b": "", "x": 2},
        {"kind": "a", "a": 2, "b": "y"},
    ):
        assert condition_holds(cond, data) == condition_holds({"expr": expression}, data), data


@pytest.mark.django_db
def test_a_field_dragged_to_another_step_is_saved_there(client):
    org = make_organization()
    client.force_login(make_staff(org, role=Role.OWNER))
    procedure = make_procedure(org)
    client.get(reverse("builder:edit", args=[procedure.pk]))
    procedure.draft.refresh_from_db()
    response = client.post(
        reverse("builder:operate", args=[procedure.pk]),
        {
            "op": "move_field_to",
            "key": "name",
            "step_key": "detail",
            "position": "1",
            "revision": procedure.draft.revision,
        },
    )
    assert response.status_code == 302
    procedure.draft.refresh_from_db()
    assert [f["key"] for f in procedure.draft.definition["steps"][1]["fields"]] == [
        "kind",
        "name",
        "kind_other",
    ]
