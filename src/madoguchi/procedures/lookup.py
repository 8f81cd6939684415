"""Buttons that redisplay a step without leaving it: 「郵便番号から住所を入力」 and a repeating
group's 行を追加/行を削除 (``lookup:<key>`` in the post). Used by the applicant and counter pages."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile

from madoguchi.procedures.fields import apply_lookup


def lookup_button(post) -> str:
    """The name of the ``lookup:`` button that sent the form, else ""."""
    return next((key for key in post if key.startswith("lookup:")), "")


def run_lookup(definition: dict, step_key: str, post, raw: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """Fill the step's values (e.g. the address from the 郵便番号) and return (raw, errors)."""
    result, errors = apply_lookup(definition, step_key, post)
    # apply_lookup reads no files: keep a file chosen in the same post so it is stored too.
    files = {k: v for k, v in raw.items() if isinstance(v, UploadedFile)}
    return {**raw, **(result or {}), **files}, errors or {}
