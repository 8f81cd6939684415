"""Buttons that redisplay a step without leaving it and without JavaScript: 「郵便番号から住所を
入力」 and a repeating group's 行を追加/行を削除 (a submit button named ``lookup:<key>`` or
``lookup:<key>.<action>``). Used by the applicant, counter and builder-preview pages.

What a button does belongs to its field type (``FieldType.button``); this module finds the
field the button belongs to and hands it the values as typed.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile

from madoguchi.procedures.fields import get_field_type
from madoguchi.procedures.validation import get_step, parse_step_form

LOOKUP_PREFIX = "lookup:"


def lookup_requested(post) -> str | None:
    """The field key (with its action) if the post came from a ``lookup:`` button, else None."""
    for name in post:
        if name.startswith(LOOKUP_PREFIX):
            return name[len(LOOKUP_PREFIX) :]
    return None


def lookup_button(post) -> str:
    """The name of the ``lookup:`` button that sent the form, else ""."""
    return next((key for key in post if key.startswith(LOOKUP_PREFIX)), "")


def apply_lookup(definition: dict, step_key: str, post) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Run the button of a post sent with ``lookup:<key>[.<action>]``.

    Returns ``(raw, errors)``: the step's raw values as typed, with the field's value
    changed by its button (e.g. 都道府県・市区町村・町名 filled in from the postal code),
    and messages keyed like validation errors. Nothing is saved and nothing typed is lost.
    A file chosen in the same post is not kept (browsers cannot refill file inputs);
    stored files stay.
    """
    raw = parse_step_form(definition, step_key, post, {})
    key, _dot, action = (lookup_requested(post) or "").partition(".")
    specs = get_step(definition, step_key).get("fields", [])
    spec = next((s for s in specs if s.get("key") == key), None)
    if spec is None:
        return raw, {}
    value, errors = get_field_type(spec["type"]).button(spec, raw.get(key), action)
    if key in raw or value is not None:
        raw[key] = value
    return raw, errors


def run_lookup(definition: dict, step_key: str, post, raw: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """Fill the step's values (e.g. the address from the 郵便番号) and return (raw, errors)."""
    result, errors = apply_lookup(definition, step_key, post)
    # apply_lookup reads no files: keep a file chosen in the same post so it is stored too.
    files = {k: v for k, v in raw.items() if isinstance(v, UploadedFile)}
    return {**raw, **(result or {}), **files}, errors or {}
