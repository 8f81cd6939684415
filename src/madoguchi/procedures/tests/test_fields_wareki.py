"""和暦 and 西暦 dates: what people type, era boundaries, display."""

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.procedures import wareki
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type

DATE = get_field_type("date")


def clean(raw, **spec):
    return DATE.clean(raw, {"key": "d", "type": "date", "label": "生年月日", **spec}, ValidationContext())


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2024-04-01", "2024-04-01"),
        ("2024/4/1", "2024-04-01"),
        ("2024.4.1", "2024-04-01"),
        ("2024年4月1日", "2024-04-01"),
        ("20240401", "2024-04-01"),
        ("令和6年4月1日", "2024-04-01"),
        ("令和元年5月1日", "2019-05-01"),
        ("R6.4.1", "2024-04-01"),
        ("R6/4/1", "2024-04-01"),
        ("r6.4.1", "2024-04-01"),
        ("令6.4.1", "2024-04-01"),
        ("H31.4.30", "2019-04-30"),
        ("平成31年4月30日", "2019-04-30"),
        ("平成元年1月8日", "1989-01-08"),
        ("昭和64年1月7日", "1989-01-07"),
        ("S50.3.3", "1975-03-03"),
        ("大正元年7月30日", "1912-07-30"),
        ("T15.12.24", "1926-12-24"),
        ("明治45年7月29日", "1912-07-29"),
        ("M45.7.29", "1912-07-29"),
        ("２０２４年４月１日", "2024-04-01"),
        ("令和６年４月１日", "2024-04-01"),
        ("Ｒ６．４．１", "2024-04-01"),
        ("㍻31年4月30日", "2019-04-30"),
        (" 令和 6年 4月 1日 ", "2024-04-01"),
    ],
)
def test_a_date_typed_in_a_common_way_is_stored_as_iso(typed, expected):
    assert clean(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("平成31年5月1日", "平成31年5月1日は存在しません。令和元年5月1日のことですか？"),
        ("昭和64年1月8日", "昭和64年1月8日は存在しません。平成元年1月8日のことですか？"),
        ("令和1年4月30日", "令和1年4月30日は存在しません。平成31年4月30日のことですか？"),
        ("令和元年4月30日", "令和元年4月30日は存在しません。平成31年4月30日のことですか？"),
        ("H32.1.1", "平成32年1月1日は存在しません。令和2年1月1日のことですか？"),
        ("明治45年7月30日", "明治45年7月30日は存在しません。大正元年7月30日のことですか？"),
        ("大正15年12月25日", "大正15年12月25日は存在しません。昭和元年12月25日のことですか？"),
    ],
)
def test_a_date_outside_its_era_is_refused_with_the_date_that_was_probably_meant(typed, message):
    with pytest.raises(FieldValidationError) as exc:
        clean(typed)
    assert str(exc.value.message) == f"生年月日: {message}"


def test_the_suggestion_is_available_to_callers():
    with pytest.raises(wareki.WarekiError) as exc:
        wareki.parse_date("平成31年5月1日")
    assert exc.value.suggestion == dt.date(2019, 5, 1)


@pytest.mark.parametrize(
    "typed", ["2023年2月29日", "2024/2/30", "令和6年4月31日", "2024-13-01", "平成0年1月1日"]
)
def test_a_day_that_does_not_exist_is_refused(typed):
    with pytest.raises(FieldValidationError) as exc:
        clean(typed)
    assert "存在しない日付" in str(exc.value.message) or "存在しません" in str(exc.value.message)


def test_february_29_of_a_leap_year_is_accepted():
    assert clean("令和6年2月29日") == "2024-02-29"


@pytest.mark.parametrize("typed", ["あした", "4月1日", "24/4/1", "令和六年四月一日", "R6"])
def test_text_that_is_not_a_full_date_gets_examples_of_accepted_forms(typed):
    with pytest.raises(FieldValidationError) as exc:
        clean(typed)
    assert "令和6年4月1日" in str(exc.value.message)


def test_past_only_refuses_tomorrow_and_accepts_today():
    today = timezone.localdate()
    assert clean(today.isoformat(), validation={"past_only": True}) == today.isoformat()
    with pytest.raises(FieldValidationError) as exc:
        clean((today + dt.timedelta(days=1)).isoformat(), validation={"past_only": True})
    assert "未来の日付" in str(exc.value.message)


def test_future_only_refuses_yesterday():
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(FieldValidationError) as exc:
        clean(yesterday.isoformat(), validation={"future_only": True})
    assert "過去の日付" in str(exc.value.message)


def test_min_and_max_accept_iso_dates_and_today_offsets():
    rules = {"min": "2024-04-01", "max": "2025-03-31"}
    assert clean("R7.3.31", validation=rules) == "2025-03-31"
    with pytest.raises(FieldValidationError) as exc:
        clean("2024/3/31", validation=rules)
    assert str(exc.value.message) == "生年月日は2024年4月1日（令和6年）以降の日付を入力してください。"
    today = timezone.localdate()
    with pytest.raises(FieldValidationError):
        clean((today + dt.timedelta(days=31)).isoformat(), validation={"max": "today+30"})
    assert clean((today + dt.timedelta(days=30)).isoformat(), validation={"max": "today+30"})


def test_display_shows_the_western_date_with_the_era_year():
    assert DATE.display("2024-04-01", {}) == "2024年4月1日（令和6年）"
    assert DATE.display("2019-05-01", {}) == "2019年5月1日（令和元年）"
    assert DATE.display("1989-01-07", {}) == "1989年1月7日（昭和64年）"


def test_to_wareki_uses_gannen_for_the_first_year():
    assert wareki.to_wareki(dt.date(2024, 4, 1)) == "令和6年4月1日"
    assert wareki.to_wareki(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki.to_wareki(dt.date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki.to_wareki(dt.date(1868, 1, 25)) == "明治元年1月25日"
