"""Dates on pages follow the page's language: no 「12月18日（Fri）」 on an English page."""

import datetime as dt

from django.template import Context, Template
from django.utils import translation

STARTS = dt.datetime(2026, 12, 18, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))

TEMPLATE = Template(
    "{{ t|date_weekday_time }}|{{ t|date_weekday }}|{{ t|month_day_weekday_time }}|{{ t|month_day_time }}|"
    '{{ t|date:"DATETIME_FORMAT" }}|{{ t|date:"DATE_FORMAT" }}|{{ t|date:"YEAR_MONTH_FORMAT" }}|{{ t|date:"MONTH_DAY_FORMAT" }}'
)


def render(language: str) -> list[str]:
    with translation.override(language):
        return TEMPLATE.render(Context({"t": STARTS})).split("|")


def test_japanese_pages_show_japanese_dates_with_the_weekday_in_kanji():
    assert render("ja") == [
        "2026年12月18日（金） 10:00",
        "2026年12月18日（金）",
        "12月18日（金） 10:00",
        "12月18日 10:00",
        "2026年12月18日 10:00",
        "2026年12月18日",
        "2026年12月",
        "12月18日",
    ]


def test_english_pages_show_english_dates():
    assert render("en") == [
        "Fri 18 Dec 2026, 10:00",
        "Fri 18 Dec 2026",
        "Fri 18 Dec, 10:00",
        "18 Dec, 10:00",
        "18 Dec 2026, 10:00",
        "18 Dec 2026",
        "December 2026",
        "18 Dec",
    ]


def test_a_time_as_the_database_gives_it_in_utc_is_shown_in_japan_time():
    """Rows come back in UTC: the weekday filters must show the current time zone's clock, as
    Django's own ``date`` does (the booking page once said 05:00 for a 14:00 slot)."""
    stored = dt.datetime(2026, 12, 9, 5, 0, tzinfo=dt.UTC)  # 14:00 in Tokyo
    template = Template(
        "{{ t|date_weekday_time }}|{{ t|date_weekday }}|{{ t|month_day_weekday_time }}|"
        '{{ t|month_day_time }}|{{ t|time:"H:i" }}'
    )
    with translation.override("ja"):
        assert template.render(Context({"t": stored})).split("|") == [
            "2026年12月9日（水） 14:00",
            "2026年12月9日（水）",
            "12月9日（水） 14:00",
            "12月9日 14:00",
            "14:00",
        ]
    late = dt.datetime(2026, 12, 9, 16, 0, tzinfo=dt.UTC)  # 01:00 the next day in Tokyo: the date moves too
    with translation.override("en"):
        assert Template("{{ t|date_weekday }}").render(Context({"t": late})) == "Thu 10 Dec 2026"
