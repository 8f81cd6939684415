"""English texts of a definition, shown when the page is in English (issue 13).

A field, an option or a step may carry an English text next to the Japanese one:
``label_en``, ``help_en``, ``title_en``, ``text_en``, ``statement_en`` … (the Japanese text
stays the reference; the builder edits both; XLSForm's ``label::English`` maps here).
``localize(spec)`` returns the spec with the English texts in place of the Japanese ones
while the active language is English, and the spec itself otherwise, so templates, the
確認画面 and validation messages need no change of their own.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

# Texts of a field, an option or a step that may have an English version (key + "_en").
TRANSLATED_KEYS = (
    "label",
    "help",
    "title",
    "description",
    "text",
    "statement",
    "checkbox_label",
    "yes_label",
    "no_label",
    "item_label",
    "unit",
    "pattern_message",
    "required_message",
    "message",  # a step's check (XLSForm constraint_message::English)
)
LANGUAGES = ("en",)


def active_language() -> str | None:
    """The language of the page when definitions have texts for it ("en"), else None (Japanese)."""
    code = (translation.get_language() or "").split("-")[0]
    return code if code in LANGUAGES else None


def _localize(item: Any, language: str) -> Any:
    if not isinstance(item, dict):
        return item
    out = dict(item)
    for key in TRANSLATED_KEYS:
        text = item.get(f"{key}_{language}")
        if isinstance(text, str) and text.strip():
            out[key] = text
    for key in ("options", "units", "fields"):
        if isinstance(item.get(key), list):
            out[key] = [_localize(sub, language) for sub in item[key]]
    if isinstance(item.get("validation"), dict):
        out["validation"] = _localize(item["validation"], language)
    return out


def localize(item: dict, language: str | None = None) -> dict:
    """``item`` (a field, an option, a step) in the active language; unchanged in Japanese."""
    language = language or active_language()
    return _localize(item, language) if language else item
