"""What a line of an application's timeline (状況照会) says, in the reader's language.

A line is stored as a message id and its values (``ApplicationEvent.text_id`` and ``params``),
not as text written in the language of whoever caused it: a staff member working in English
must not leave English lines for a Japanese applicant, nor a Japanese one 「不認定」 inside an
English line. Writers pass a :class:`Line`::

    Line(gettext_noop("結果は「%(word)s」です。"), word=msgid("不認定"))

and ``render`` translates the message id and each value when the line is shown. A value is
either plain (a number, a reference number, what a person typed: shown as it is) or one of:

- ``msgid(m)`` — a word of the catalog, translated for the reader (``{"msgid": m}``);
- ``by_language(ja=…, en=…, msgid=…)`` — texts per language (a field's label and its
  ``label_en``), the translated ``msgid`` for a language without one, else the Japanese;
- ``day(d)`` — a date, written as the reader's language writes it (``{"date": "2026-12-24"}``).

Lines written before (issue 13) have no message id: their ``message`` is shown as it was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import translation

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Line:
    """A timeline line to write: a message id (marked with ``gettext_noop``) and its values."""

    __slots__ = ("params", "text_id")

    def __init__(self, text_id: str, **params: Any) -> None:
        self.text_id = str(text_id)
        self.params: dict[str, Any] = params

    def __repr__(self) -> str:
        return f"Line({self.text_id!r}, **{self.params!r})"

    def render(self, language: str | None = None) -> str:
        return render(self.text_id, self.params, language)


def msgid(text: str) -> dict[str, str]:
    """A value translated for the reader (a word of the catalog: 「不認定」)."""
    return {"msgid": str(text)}


def by_language(**texts: str) -> dict[str, str]:
    """A value given per language (``ja``, ``en``) and optionally as a ``msgid`` to translate
    for a language without a text of its own. Empty texts are left out."""
    return {key: str(value) for key, value in texts.items() if value}


def each_language(make: Callable[[], str]) -> dict[str, str]:
    """A value written now in each language of the site: ``make`` runs once per language (a word
    that reads differently inside a sentence, ``pgettext("timeline", "通知書")`` — "notice" —
    written out where makemessages finds it)."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(make())
    return texts


def day(value: dt.date) -> dict[str, str]:
    """A date, written as the reader's language writes it."""
    return {"date": value.isoformat()}


def _language(language: str | None) -> str:
    return (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _date_text(iso: str, language: str) -> str:
    try:
        value = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    if language == "en":
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def _value(value: Any, language: str) -> Any:
    if not isinstance(value, dict):
        return value
    if "date" in value:
        return _date_text(str(value["date"]), language)
    own = value.get(language)
    if own:
        return own
    if value.get("msgid"):
        return translation.gettext(value["msgid"])
    return value.get("ja") or next((v for v in value.values() if v), "")


def render(text_id: str, params: dict[str, Any] | None, language: str | None = None) -> str:
    """The line in ``language`` (the active one when not given)."""
    code = _language(language)
    with translation.override(code):
        text = translation.gettext(text_id)
        if not params:
            return text
        values = {key: _value(value, code) for key, value in params.items()}
        try:
            return text % values
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            return text_id % values
