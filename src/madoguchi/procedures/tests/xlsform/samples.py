"""XLSForm workbooks as ODK and Kobo write them, and definitions with every field type, for the xlsform tests."""

from __future__ import annotations

import copy
import io

import pytest
from openpyxl import Workbook

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.fields import registry
from madoguchi.procedures.xlsform import definition_from_xlsform, xlsform_bytes


def workbook(
    survey: list[list], choices: list[list] | None = None, settings: list[list] | None = None
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices:
        choice_sheet = book.create_sheet("choices")
        for row in choices:
            choice_sheet.append(row)
    if settings:
        settings_sheet = book.create_sheet("settings")
        for row in settings:
            settings_sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(FieldErrors) as info:
        definition_from_xlsform(data)
    return info.value.as_dict()["file"]


HOUSEHOLD = workbook(
    survey=[
        [
            "type",
            "name",
            "label::Japanese (ja)",
            "label::English (en)",
            "hint::English (en)",
            "required",
            "relevant",
            "constraint",
            "constraint_message::Japanese (ja)",
            "calculation",
            "choice_filter",
            "appearance",
            "default",
        ],
        ["begin_group", "household", "世帯", "Household", "", "", "", "", "", "", "", "field-list", ""],
        [
            "text",
            "head",
            "世帯主の名前",
            "Head of household",
            "As on the register",
            "yes",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "integer",
            "members",
            "世帯の人数",
            "Members",
            "",
            "yes",
            "",
            ". >= 1 and . <= 20",
            "1〜20人で入力してください。",
            "",
            "",
            "",
            "1",
        ],
        ["select_one pref", "pref", "都道府県", "Prefecture", "", "yes", "", "", "", "", "", "minimal", ""],
        ["select_one city", "city", "市区町村", "City", "", "yes", "", "", "", "", "pref=${pref}", "", ""],
        ["end_group", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["begin_group", "people", "家族", "Family", "", "", "${members} > 1", "", "", "", "", "", ""],
        ["begin_repeat", "member", "家族の方", "Family member", "", "", "", "", "", "", "", "", ""],
        ["text", "member_name", "名前", "Name", "", "yes", "", "", "", "", "", "", ""],
        ["integer", "member_age", "年齢", "Age", "", "", "", "", "", "", "", "", ""],
        ["end_repeat", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["calculate", "total_age", "", "", "", "", "", "", "", "sum(${member_age})", "", "", ""],
        ["note", "thanks", "ありがとうございました。", "Thank you.", "", "", "", "", "", "", "", "", ""],
        ["end_group", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["start", "start", "", "", "", "", "", "", "", "", "", "", ""],
    ],
    choices=[
        ["list_name", "name", "label::Japanese (ja)", "label::English (en)", "pref"],
        ["pref", "tokyo", "東京都", "Tokyo", ""],
        ["pref", "osaka", "大阪府", "Osaka", ""],
        ["city", "shinjuku", "新宿区", "Shinjuku", "tokyo"],
        ["city", "hachioji", "八王子市", "Hachioji", "tokyo"],
        ["city", "sakai", "堺市", "Sakai", "osaka"],
    ],
    settings=[["form_title", "form_id", "default_language"], ["世帯調査", "household", "Japanese (ja)"]],
)


# A Kobo-style form: two languages in both columns, "begin group" spelt with a space, conditions and
# constraints inside a repeat, required and constraint messages in English, a repeat shown on a condition.
KOBO = workbook(
    survey=[
        [
            "type",
            "name",
            "label::日本語 (ja)",
            "label::English (en)",
            "hint::日本語 (ja)",
            "required",
            "required_message::日本語 (ja)",
            "required_message::English (en)",
            "relevant",
            "constraint",
            "constraint_message::日本語 (ja)",
            "constraint_message::English (en)",
        ],
        ["begin group", "family", "家族", "Family", "", "", "", "", "", "", "", ""],
        [
            "select_one yn",
            "has_children",
            "お子さんはいますか",
            "Do you have children?",
            "",
            "yes",
            "選んでください。",
            "Please choose.",
            "",
            "",
            "",
            "",
        ],
        ["begin repeat", "child", "お子さん", "Child", "", "", "", "", "${has_children} = 'yes'", "", "", ""],
        ["text", "child_name", "名前", "Name", "", "yes", "", "", "", "", "", ""],
        [
            "integer",
            "child_age",
            "年齢",
            "Age",
            "満年齢",
            "yes",
            "",
            "",
            "",
            ". >= 0 and . < 20",
            "0〜19歳で入力してください。",
            "Enter an age from 0 to 19.",
        ],
        [
            "text",
            "school",
            "学校名",
            "School",
            "",
            "yes",
            "",
            "",
            "${child_age} >= 6",
            "",
            "",
            "",
        ],
        ["end repeat", "", "", "", "", "", "", "", "", "", "", ""],
        ["end group", "", "", "", "", "", "", "", "", "", "", ""],
    ],
    choices=[
        ["list name", "name", "label::日本語 (ja)", "label::English (en)"],
        ["yn", "yes", "はい", "Yes"],
        ["yn", "no", "いいえ", "No"],
    ],
    settings=[["form_title", "form_id", "default_language"], ["子育て調査", "kosodate", "日本語 (ja)"]],
)


CASCADE = workbook(
    survey=[
        ["type", "name", "label", "choice_filter", "required"],
        ["begin_group", "where", "お住まい", "", ""],
        ["select_one pref", "pref", "都道府県", "", "yes"],
        ["end_group", "", "", "", ""],
        ["begin_group", "detail", "市区町村", "", ""],
        ["select_one city", "city", "市区町村", "pref=${pref}", "yes"],
        ["select_one town", "town", "町名", "city = ${city}", ""],
        ["end_group", "", "", "", ""],
    ],
    choices=[
        ["list_name", "name", "label", "pref", "city"],
        ["pref", "tokyo", "東京都", "", ""],
        ["pref", "osaka", "大阪府", "", ""],
        ["city", "shinjuku", "新宿区", "tokyo", ""],
        ["city", "sakai", "堺市", "osaka", ""],
        ["town", "yotsuya", "四谷", "", "shinjuku"],
        ["town", "nishishinjuku", "西新宿", "", "shinjuku"],
        ["town", "mihara", "美原", "", "sakai"],
    ],
)


def one_field_of_every_type() -> dict:
    fields = []
    for type_id in sorted(registry):
        if type_id == "group":
            continue
        spec = {
            "key": f"f_{type_id}",
            "type": type_id,
            "label": f"{type_id}の項目",
            **copy.deepcopy(registry[type_id].defaults),
        }
        if not registry[type_id].has_value:
            spec.pop("label")
            spec.setdefault("text", "説明")
        fields.append(spec)
    fields[-1]["show_if"] = {"expr": "f_integer >= 1 and f_consent"}
    group = {
        "key": "kids",
        "type": "group",
        "label": "子",
        "item_label": "子",
        **copy.deepcopy(registry["group"].defaults),
    }
    return {
        "steps": [
            {"key": "a", "title": "すべての種類", "title_en": "Every type", "fields": fields},
            {
                "key": "b",
                "title": "条件",
                "show_if": {"expr": "age(f_date) >= 18"},
                "checks": [
                    {"rule": "len(note_b) <= 10 or f_integer <= 10", "message": "10以下", "field": "note_b"}
                ],
                "fields": [
                    group,
                    {
                        "key": "note_b",
                        "type": "text",
                        "label": "備考",
                        "label_en": "Note",
                        "help": "任意",
                        "required_if": {"expr": "f_integer > 3"},
                        "show_if": {"expr": "contains(f_checkboxes, 'a')"},
                        "validation": {"max_length": 50, "check_digit": "jan"},
                        "default": "なし",
                    },
                ],
            },
        ]
    }


def round_trip(definition: dict) -> dict:
    imported, _settings = definition_from_xlsform(xlsform_bytes(definition, title="t"))
    return imported


def every_type_in_every_place() -> dict:
    """Every field type with English texts, a condition and a message; inside a repeat too."""
    definition = one_field_of_every_type()
    fields = definition["steps"][0]["fields"]
    for spec in fields:
        if "label" in spec:
            spec["label_en"] = f"{spec['type']} field"
        spec["help"] = "ヒント"
        spec["help_en"] = "Hint"
        if registry[spec["type"]].has_value and not registry[spec["type"]].computes:
            spec["required_message"] = "必ず入力してください。"
            spec["required_message_en"] = "This is required."
    subs = [
        {**copy.deepcopy(spec), "key": f"sub_{spec['type']}"}
        for spec in fields
        if registry[spec["type"]].groupable and spec["type"] != "group"
    ]
    for sub in subs:
        sub.pop("show_if", None)
    subs[-1]["show_if"] = {"expr": "sub_integer >= 1"}
    repeat = {
        "key": "rows",
        "type": "group",
        "label": "行",
        "label_en": "Rows",
        "item_label": "行",
        "fields": subs,
        "show_if": {"expr": "f_integer > 0"},
        "checks": [
            {
                "rule": "sub_integer <= 10",
                "message": "10以下",
                "message_en": "At most 10",
                "field": "sub_integer",
            },
            {"rule": "age(sub_date) >= 18", "message": "18歳以上", "field": "sub_date"},
        ],
    }
    definition["steps"].append(
        {
            "key": "c",
            "title": "繰り返し",
            "title_en": "Repeats",
            "fields": [repeat],
            "checks": [
                {"rule": "count(rows.sub_integer) <= 3", "message": "3件まで", "message_en": "Up to 3"}
            ],
        }
    )
    definition["steps"][0]["checks"] = [
        {"rule": "f_integer <= 100", "message": "100以下", "message_en": "100 or less", "field": "f_integer"},
        {"rule": "f_integer != 7", "message": "7以外", "field": "f_integer"},
    ]
    return definition
