"""Values cleaned earlier and trusted (``clean_fields(trusted=…)``, procedures/checked.py): only
types whose cleaning reads nothing but the value take them as they are, cleaning such a value
again gives it back, and everything else of the check still runs."""

import json

import pytest

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures import checked
from madoguchi.procedures.fields import ValidationContext, registry
from madoguchi.procedures.fields import contact as contact_fields
from madoguchi.procedures.validation import clean_fields, validate_all

OPTIONS = [{"value": "a", "label": "種別A"}, {"value": "b", "label": "種別B"}]

# Raw values as people type them, per type whose cleaning is pure (``clean_is_pure``).
SAMPLES: dict[str, list[tuple[dict, object]]] = {
    "text": [({}, "  山田　太郎 "), ({"validation": {"check_digit": "corporate_number"}}, "7000-0120-50002")],
    "textarea": [({}, "領収書は\n後日郵送します。")],
    "select": [({"options": OPTIONS}, "a")],
    "radio": [({"options": OPTIONS}, "b")],
    "checkboxes": [({"options": OPTIONS}, ["b", "a"]), ({"options": OPTIONS}, "a")],
    "consent": [({"statement": "同意します"}, True), ({"statement": "同意します"}, "yes")],
    "name": [({}, {"family": "山田", "given": "太郎", "family_kana": "やまだ", "given_kana": "ﾀﾛｳ"})],
    "date": [({}, "令和6年4月1日"), ({"validation": {"past_only": True}}, "1980-04-01")],
    "email": [({}, " Taro.Yamada@Example.JP ")],
    "phone": [({}, "０９０ー１２３４ー５６７８")],
    "postal_code": [({}, "〒１６０ー００２３")],
    "address": [
        (
            {},
            {
                "postal_code": "1600023",
                "prefecture": "東京都",
                "city": "新宿区",
                "street": "西新宿２－８－１",
            },
        )
    ],
    "integer": [({}, "１２"), ({}, 3)],
    "money": [({}, "85,000円"), ({}, "1万2000円")],
    "decimal": [({"places": 2}, "12.50"), ({}, "３.２５")],
}


def spec_of(type_id: str, extra: dict) -> dict:
    return {"key": "f", "type": type_id, "label": "項目", **extra}


def context() -> ValidationContext:
    return ValidationContext(user=None, organization_id=None)


def test_every_type_whose_cleaning_is_pure_has_samples():
    pure = {type_id for type_id, field_type in registry.items() if field_type.clean_is_pure}
    assert pure == set(SAMPLES)


@pytest.mark.parametrize(
    ("type_id", "extra", "raw"), [(t, extra, raw) for t, samples in SAMPLES.items() for extra, raw in samples]
)
def test_cleaning_a_cleaned_value_again_gives_it_back(type_id, extra, raw):
    field_type = registry[type_id]
    spec = spec_of(type_id, extra)
    stored = json.loads(json.dumps(field_type.clean(raw, spec, context())))  # as a draft keeps it
    assert json.loads(json.dumps(field_type.clean(stored, spec, context()))) == stored


def test_a_trusted_value_of_a_pure_type_is_taken_as_it_is():
    fields = [spec_of("text", {})]
    assert clean_fields(fields, {"f": "  x "}, context=context()) == {"f": "x"}
    assert clean_fields(fields, {"f": "  x "}, context=context(), trusted={"f"}) == {"f": "  x "}


def test_an_email_that_must_name_staff_is_checked_again_although_trusted(monkeypatch):
    asked = []

    def staff_with_role(**kwargs):
        asked.append(kwargs)
        return False

    monkeypatch.setattr(contact_fields, "staff_with_role", staff_with_role)
    fields = [spec_of("email", {"staff_role": "reviewer"})]
    with pytest.raises(FieldErrors) as refused:
        clean_fields(
            fields,
            {"f": "taro@example.jp"},
            context=ValidationContext(user=None, organization_id=1),
            trusted={"f"},
        )
    assert "f" in refused.value.errors
    assert asked == [{"email": "taro@example.jp", "organization_id": 1, "role": "reviewer"}]


def test_required_fields_conditions_and_checks_still_apply_to_trusted_values():
    definition = {
        "steps": [
            {
                "key": "s",
                "title": "内容",
                "fields": [
                    {"key": "kind", "type": "select", "label": "種別", "required": True, "options": OPTIONS},
                    {"key": "why", "type": "text", "label": "理由", "required_if": {"expr": "kind == 'b'"}},
                    {"key": "n", "type": "integer", "label": "人数", "required": True},
                ],
                "checks": [{"rule": "n <= 5", "message": "5人までです。"}],
            }
        ]
    }
    values = {"kind": "b", "n": 7}
    with pytest.raises(FieldErrors) as refused:
        validate_all(definition, values, context=context(), trusted=set(values))
    assert set(refused.value.errors) == {"why", "n"}
    assert refused.value.errors["n"] == ["5人までです。"]


def test_the_stamp_changes_with_the_values_the_version_the_day_and_the_code(monkeypatch):
    import datetime as dt

    from django.utils import timezone

    values = {"name": "山田 太郎", "n": 3}
    stamp = checked.values_stamp(version_id=1, values=values)
    assert checked.values_stamp(version_id=1, values=dict(reversed(values.items()))) == stamp
    assert checked.values_stamp(version_id=1, values={**values, "n": 4}) != stamp
    assert checked.values_stamp(version_id=2, values=values) != stamp
    today = timezone.localdate()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today + dt.timedelta(days=1))
    assert checked.values_stamp(version_id=1, values=values) != stamp
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today)
    assert checked.values_stamp(version_id=1, values=values) == stamp
    monkeypatch.setattr(checked, "_code", "another deployment")
    assert checked.values_stamp(version_id=1, values=values) != stamp
