"""郵便番号, 住所, 住所検索 without JavaScript, and GET /postal-codes/{code}."""

import pytest
from django.http import QueryDict
from ninja.testing import TestClient

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures import postal
from madoguchi.procedures.api_postal import postal_code_lookup, router
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type
from madoguchi.procedures.lookup import apply_lookup
from madoguchi.procedures.validation import parse_step_form

POSTAL = get_field_type("postal_code")
ADDRESS = get_field_type("address")
ADDRESS_SPEC = {"key": "home", "type": "address", "label": "住所", "required": True}
DEFINITION = {
    "steps": [{"key": "about", "fields": [{"key": "note", "type": "text", "label": "備考"}, ADDRESS_SPEC]}]
}


def clean_code(raw):
    return POSTAL.clean(raw, {"key": "zip", "type": "postal_code", "label": "郵便番号"}, ValidationContext())


def clean_address(raw, **spec):
    return ADDRESS.clean(raw, {**ADDRESS_SPEC, **spec}, ValidationContext())


def post(**values):
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key.replace("__", ".")] = value
    return data


@pytest.mark.parametrize(
    "typed", ["1600022", "160-0022", "〒160-0022", "〒１６０－００２２", "１６０ー００２２", " 160 0022 "]
)
def test_a_postal_code_is_stored_as_nnn_nnnn(typed):
    assert clean_code(typed) == "160-0022"


def test_an_unknown_postal_code_is_refused():
    with pytest.raises(FieldValidationError) as exc:
        clean_code("999-9999")
    assert str(exc.value.message) == "郵便番号「999-9999」は見つかりませんでした。番号をご確認ください。"


@pytest.mark.parametrize("typed", ["160002", "16000222", "abc-defg"])
def test_a_postal_code_that_is_not_seven_digits_is_refused_with_an_example(typed):
    with pytest.raises(FieldValidationError) as exc:
        clean_code(typed)
    assert "7桁" in str(exc.value.message)
    assert "160-0022" in str(exc.value.message)


def test_lookup_returns_the_address_of_a_code():
    assert postal.lookup("160-0022") == [{"prefecture": "東京都", "city": "新宿区", "town": "新宿"}]
    assert postal.lookup("9999999") == []


def test_lookup_lists_every_town_of_a_code_shared_by_several():
    towns = [entry["town"] for entry in postal.lookup("068-0546")]
    assert towns == ["南部青葉町", "南部菊水町"]


def test_an_address_is_stored_part_by_part():
    value = clean_address(
        {
            "postal_code": "１６３－８００１",
            "prefecture": "東京",
            "city": "新宿区",
            "street": "西新宿2-8-1",
            "building": "",
        }
    )
    assert value == {
        "postal_code": "163-8001",
        "prefecture": "東京都",
        "city": "新宿区",
        "street": "西新宿2-8-1",
        "building": "",
    }
    assert ADDRESS.display(value, ADDRESS_SPEC) == "〒163-8001 東京都新宿区西新宿2-8-1"


def test_an_address_reports_each_missing_or_wrong_part_on_that_part():
    with pytest.raises(FieldValidationError) as exc:
        clean_address({"postal_code": "160-0022", "prefecture": "東京府", "city": "", "street": "新宿1-1"})
    assert set(exc.value.parts) == {"prefecture", "city"}
    assert "一覧から選んでください" in str(exc.value.parts["prefecture"])


def test_a_prefecture_that_does_not_match_the_postal_code_is_pointed_out():
    with pytest.raises(FieldValidationError) as exc:
        clean_address(
            {"postal_code": "160-0022", "prefecture": "大阪府", "city": "新宿区", "street": "新宿1-1"}
        )
    assert str(exc.value.parts["prefecture"]).startswith("郵便番号 160-0022 は東京都の番号です。")


def test_an_address_without_postal_code_when_the_option_is_off():
    value = clean_address(
        {"prefecture": "北海道", "city": "札幌市中央区", "street": "北1条西2丁目"}, postal_code=False
    )
    assert "postal_code" not in value


def test_the_lookup_button_fills_prefecture_city_and_town_without_javascript():
    raw, errors = apply_lookup(
        DEFINITION, "about", post(note="メモ", home__postal_code="１６０００２２", **{"lookup:home": "1"})
    )
    assert errors == {}
    assert raw["note"] == "メモ"
    assert raw["home"]["postal_code"] == "160-0022"
    assert (raw["home"]["prefecture"], raw["home"]["city"], raw["home"]["street"]) == (
        "東京都",
        "新宿区",
        "新宿",
    )


def test_the_lookup_keeps_a_street_already_typed():
    raw, errors = apply_lookup(
        DEFINITION,
        "about",
        post(home__postal_code="1600022", home__street="新宿3-1-1", **{"lookup:home": "1"}),
    )
    assert errors == {}
    assert raw["home"]["street"] == "新宿3-1-1"
    assert raw["home"]["prefecture"] == "東京都"


def test_the_lookup_of_an_unknown_code_explains_next_to_the_postal_code():
    raw, errors = apply_lookup(
        DEFINITION, "about", post(home__postal_code="999-9999", **{"lookup:home": "1"})
    )
    assert list(errors) == ["home.postal_code"]
    assert "見つかりませんでした" in errors["home.postal_code"][0]
    assert raw["home"]["postal_code"] == "999-9999"


def test_the_lookup_of_a_code_with_several_towns_asks_for_the_town():
    raw, errors = apply_lookup(DEFINITION, "about", post(home__postal_code="0680546", **{"lookup:home": "1"}))
    assert raw["home"]["city"] == "夕張市"
    assert raw["home"]["street"] == ""
    assert "南部青葉町" in errors["home.street"][0] and "南部菊水町" in errors["home.street"][0]


def test_parse_step_form_reads_address_parts():
    raw = parse_step_form(DEFINITION, "about", post(home__postal_code="1600022", home__city="新宿区"), {})
    assert raw["home"]["postal_code"] == "1600022"
    assert raw["home"]["city"] == "新宿区"
    assert raw["home"]["building"] == ""


def test_the_postal_code_endpoint_answers_the_address():
    client = TestClient(router)
    response = client.get("/postal-codes/160-0022")
    assert response.status_code == 200
    assert response.json() == {
        "postal_code": "160-0022",
        "addresses": [{"prefecture": "東京都", "city": "新宿区", "town": "新宿"}],
    }
    assert client.get("/postal-codes/1600022").json()["postal_code"] == "160-0022"


def test_the_postal_code_endpoint_answers_404_for_an_unknown_code():
    assert TestClient(router).get("/postal-codes/9999999").status_code == 404


def test_the_postal_code_endpoint_refuses_a_malformed_code_with_a_field_error():
    with pytest.raises(FieldErrors) as exc:
        postal_code_lookup(None, "12-34")
    assert list(exc.value.as_dict()) == ["code"]


def test_lookups_kept_per_process_cannot_be_changed_by_a_caller():
    first = postal.lookup("160-0022")
    first[0]["town"] = "changed"
    first.append({"prefecture": "x"})
    again = postal.lookup("１６０００２２")
    assert again == postal.lookup("1600022") and len(again) == 1
    assert again[0]["town"] != "changed"
    assert postal.lookup("000-0000") == [] and postal.lookup("12") == []
