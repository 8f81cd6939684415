"""Dates with the weekday, in the page's language: ``{{ slot.starts_at|date_weekday_time }}``.

Japanese 「2026年12月18日（金） 10:00」, English "Fri 18 Dec 2026, 10:00". Django's named
formats (``DATE_FORMAT`` …, set in ``config/formats``) have no weekday form, so these filters
hold one per language. A builtin library (settings ``TEMPLATES``): no ``{% load %}`` needed.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.translation import get_language

register = template.Library()

_FORMATS: dict[str, dict[str, str]] = {
    "date_weekday_time": {"ja": "Y年n月j日（D） H:i", "en": "D j M Y, H:i"},
    "date_weekday": {"ja": "Y年n月j日（D）", "en": "D j M Y"},
    "month_day_weekday_time": {"ja": "n月j日（D） H:i", "en": "D j M, H:i"},
    "month_day_time": {"ja": "n月j日 H:i", "en": "j M, H:i"},
}


def _format(name: str) -> str:
    language = (get_language() or "ja").split("-")[0]
    formats = _FORMATS[name]
    return formats.get(language, formats["ja"])


@register.filter(expects_localtime=True)
def date_weekday_time(value):
    return date_filter(value, _format("date_weekday_time"))


@register.filter(expects_localtime=True)
def date_weekday(value):
    return date_filter(value, _format("date_weekday"))


@register.filter(expects_localtime=True)
def month_day_weekday_time(value):
    return date_filter(value, _format("month_day_weekday_time"))


@register.filter(expects_localtime=True)
def month_day_time(value):
    return date_filter(value, _format("month_day_time"))
