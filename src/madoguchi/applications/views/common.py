"""Pieces the applicant pages share: session keys, error page, step rendering, 住所検索."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import render
from django.utils.translation import gettext as _

from madoguchi.applications import selectors
from madoguchi.core.errors import DomainError
from madoguchi.procedures.validation import parse_step_form

# Values typed by a visitor who is not signed in yet, kept until they sign in.
STASH_SESSION_KEY = "applications.stash"
STASH_DONE_SESSION_KEY = "applications.stash_done"
SUBMIT_TOKENS_SESSION_KEY = "applications.submit_tokens"
RETURN_TO_VALUES = {"confirm", "resume"}


def error_page(request, exc: DomainError):
    return render(
        request, "core/error.html", {"title": _("ご案内"), "message": exc.message}, status=exc.status
    )


def return_to_of(request) -> str:
    value = request.POST.get("return_to") or request.GET.get("return_to") or ""
    return value if value in RETURN_TO_VALUES else ""


def url_with_return(url: str, return_to: str) -> str:
    return f"{url}?return_to={return_to}" if return_to else url


def lookup_button(post) -> str:
    """The name of the 「郵便番号から住所を入力」 button that sent the form, else ""."""
    return next((key for key in post if key.startswith("lookup:")), "")


def run_lookup(definition: dict, step_key: str, post, raw: dict[str, Any]):
    """郵便番号 → 住所 without JavaScript: procedures.fields.apply_lookup fills the values."""
    fields_module = import_module("madoguchi.procedures.fields")
    apply_lookup = getattr(fields_module, "apply_lookup", None)
    if apply_lookup is None:
        return raw, {}
    result = apply_lookup(definition, step_key, post)
    errors: dict[str, list[str]] = {}
    if isinstance(result, tuple):
        result, errors = result
    if hasattr(result, "getlist"):  # a filled-in copy of the post
        result = parse_step_form(definition, step_key, result, {})
    # apply_lookup reads no files: keep a file chosen in the same post so it is stored too.
    files = {k: v for k, v in raw.items() if isinstance(v, UploadedFile)}
    return {**raw, **(result or {}), **files}, errors or {}


def render_step(
    request, *, procedure, step, data, errors, steps, draft, back_url, return_to="", deferred_files=()
):
    keys = [s.key for s in steps]
    number = keys.index(step["key"]) + 1 if step["key"] in keys else 1
    fields = selectors.step_fields(step, data)
    return render(
        request,
        "applications/step.html",
        {
            "procedure": procedure,
            "draft": draft,
            "step": step,
            "steps": steps,
            "number": number,
            "total": len(steps) + 1,  # + 確認
            "fields": fields,
            "errors": errors,
            "error_list": selectors.error_links(step, errors),
            "back_url": back_url,
            "return_to": return_to,
            "is_first": number == 1,
            "deferred_files": deferred_files,
        },
    )
