"""Pieces the applicant pages share: session keys, error page, step rendering, 住所検索."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from madoguchi.accounts.oidc.assurance import IdentityLevelRequired, request_identity_check
from madoguchi.accounts.oidc.views import level_required_response
from madoguchi.applications import selectors
from madoguchi.applications.verified import verified_display
from madoguchi.core.errors import DomainError
from madoguchi.core.responses import form_status
from madoguchi.procedures.steps import page_total
from madoguchi.procedures.translations import localize

# Values typed by a visitor who is not signed in yet, kept until they sign in.
STASH_SESSION_KEY = "applications.stash"
STASH_DONE_SESSION_KEY = "applications.stash_done"
SUBMIT_TOKENS_SESSION_KEY = "applications.submit_tokens"
RETURN_TO_VALUES = {"confirm", "resume"}


def error_page(request, exc: DomainError):
    return render(
        request, "core/error.html", {"title": _("ご案内"), "message": exc.message}, status=exc.status
    )


def identity_gate(request, procedure):
    """None when this session may apply for ``procedure``; else the page that says how to sign
    in at the level the procedure declares (``Procedure.identity_level``). It comes back here."""
    try:
        request_identity_check(request, identity_level=procedure.identity_level)
    except IdentityLevelRequired as exc:
        return level_required_response(request, exc, next_url=request.get_full_path(), procedure=procedure)
    return None


def return_to_of(request) -> str:
    value = request.POST.get("return_to") or request.GET.get("return_to") or ""
    return value if value in RETURN_TO_VALUES else ""


def url_with_return(url: str, return_to: str) -> str:
    return f"{url}?return_to={return_to}" if return_to else url


def render_step(
    request, *, procedure, step, data, errors, steps, draft, back_url, return_to="", deferred_files=()
):
    keys = [s.key for s in steps]
    number = keys.index(step["key"]) + 1 if step["key"] in keys else 1
    step = localize(step)  # title, description and fields in the page's language
    fields = selectors.step_fields(step, data)
    verified = verified_display(definition={"steps": [step]}, data=data)
    for f in fields:  # shown as text, marked verified: the server keeps their values
        if f["key"] in verified:
            f["verified"] = verified[f["key"]]
    return render(
        request,
        "applications/step.html",
        {
            "procedure": procedure,
            "draft": draft,
            "step": step,
            "steps": steps,
            "number": number,
            "total": page_total(len(steps)),  # the steps and 確認
            "fields": fields,
            "errors": errors,
            "error_list": selectors.error_links(step, errors),
            "back_url": back_url,
            "return_to": return_to,
            "is_first": number == 1,
            "deferred_files": deferred_files,
        },
        status=form_status(request, errors),
    )
