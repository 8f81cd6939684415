"""Starting an application: 本人／代理人, a visitor's first step, the hand-over after sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.oidc.assurance import required_assurance
from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.applications import selectors, services
from madoguchi.applications.forms import StartForm
from madoguchi.applications.verified import draft_apply_verified, verified_profile_for
from madoguchi.applications.views.common import (
    STASH_DONE_SESSION_KEY,
    STASH_SESSION_KEY,
    error_page,
    identity_gate,
    render_step,
    url_with_return,
)
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.procedures.fields import ValidationContext, takes_file
from madoguchi.procedures.lookup import lookup_button, run_lookup
from madoguchi.procedures.selectors import procedure_get_public
from madoguchi.procedures.validation import iter_steps, parse_step_form, validate_step


@require_http_methods(["GET", "POST"])
def start(request, org_slug: str, procedure_slug: str):
    """「申請をはじめる」: asks 本人／代理人 when the procedure allows proxies, then opens a draft."""
    procedure = procedure_get_public(org_slug=org_slug, procedure_slug=procedure_slug)
    amends = (request.POST.get("amends") or request.GET.get("amends") or "").strip() or None
    if procedure.amends_id and not request.user.is_authenticated:
        # A 変更届 starts from the signed-in applicant's own designation (listed on the page).
        return redirect_to_login(reverse("procedures:detail", args=[org_slug, procedure_slug]))
    form = StartForm(request.POST or None) if procedure.allows_proxy else None
    if request.method == "POST" and "applying_as" not in request.POST and form is not None:
        form = StartForm(None)  # arrived from a designation's 「変更届を出す」: ask 本人／代理人 first
    if request.method == "POST" and (form is None or form.is_valid()):
        as_proxy = bool(form and form.as_proxy)
        if not request.user.is_authenticated:
            request.session[STASH_SESSION_KEY] = {"procedure": procedure.pk, "as_proxy": as_proxy, "raw": {}}
            return redirect("applications:start_step", org_slug, procedure_slug)
        gate = identity_gate(request, procedure)
        if gate:
            return gate
        try:
            draft = services.draft_start(
                applicant=request.user, procedure=procedure, as_proxy=as_proxy, amends=amends
            )
        except DomainError as exc:
            return error_page(request, exc)
        draft_apply_verified(draft=draft, profile=verified_profile_for(request))
        return redirect("applications:draft_resume", draft.pk)
    return render(
        request,
        "applications/start.html",
        {"procedure": procedure, "form": form, "amends": amends},
        status=form_status(request, form is not None and form.errors),
    )


def _stash(request, procedure) -> dict[str, Any] | None:
    stash = request.session.get(STASH_SESSION_KEY)
    if isinstance(stash, dict) and stash.get("procedure") == procedure.pk:
        return stash
    return None


def _json_safe(raw: dict[str, Any]) -> dict[str, Any]:
    """Files cannot wait in the session; they are attached after signing in."""

    def keep(value: Any) -> bool:
        if isinstance(value, UploadedFile):
            return False
        if isinstance(value, list | tuple):
            return not any(isinstance(v, UploadedFile) for v in value)
        return True

    return {k: v for k, v in raw.items() if keep(v)}


@require_http_methods(["GET", "POST"])
def start_step(request, org_slug: str, procedure_slug: str):
    """The first step for a visitor who has not signed in; typed values wait in the session."""
    procedure = procedure_get_public(org_slug=org_slug, procedure_slug=procedure_slug)
    stash = _stash(request, procedure)
    if request.user.is_authenticated:
        if stash is not None:
            return redirect("applications:start_resume", org_slug, procedure_slug)
        return redirect("procedures:detail", org_slug, procedure_slug)
    if stash is None:  # e.g. the session expired: begin again from the procedure page
        stash = {"procedure": procedure.pk, "as_proxy": False, "raw": {}}
        if procedure.allows_proxy:
            return redirect("applications:start", org_slug, procedure_slug)
    definition = procedure.current_version.definition
    steps = iter_steps(definition)
    if not steps:
        raise Http404
    step = steps[0]
    # Files cannot wait in the session: they are asked for on the same page after signing in.
    files = [spec for spec in step.get("fields", []) if takes_file(spec)]
    file_keys = {spec["key"] for spec in files}
    shown_step = {**step, "fields": [spec for spec in step.get("fields", []) if spec["key"] not in file_keys]}
    errors: dict[str, list[str]] = {}
    data = dict(stash.get("raw") or {})
    if request.method == "POST":
        raw = parse_step_form(definition, step["key"], request.POST, {})
        lookup_key = lookup_button(request.POST)
        if lookup_key:
            raw, errors = run_lookup(definition, step["key"], request.POST, raw)
        data = {k: v for k, v in _json_safe(raw).items() if k not in file_keys}
        request.session[STASH_SESSION_KEY] = {**stash, "raw": data}
        if not lookup_key:
            try:
                validate_step(definition, step["key"], raw, context=ValidationContext(), known={})
            except FieldErrors as exc:
                errors = {k: v for k, v in exc.as_dict().items() if k.split(".")[0] not in file_keys}
            if not errors:
                resume = reverse("applications:start_resume", args=[org_slug, procedure_slug])
                if required_assurance(procedure.identity_level) > Assurance.EMAIL:
                    return redirect(resume)  # the page there offers the sign-in the procedure needs
                return redirect_to_login(resume)
    return render_step(
        request,
        procedure=procedure,
        step=shown_step,
        data=data,
        errors=errors,
        steps=selectors.definition_steps(definition, data),
        draft=None,
        back_url=reverse("procedures:detail", args=[org_slug, procedure_slug]),
        deferred_files=[str(spec.get("label", spec["key"])) for spec in files],
    )


def start_resume(request, org_slug: str, procedure_slug: str):
    """After signing in: the draft is created from what was typed before, nothing is lost."""
    procedure = procedure_get_public(org_slug=org_slug, procedure_slug=procedure_slug)
    if not request.user.is_authenticated and required_assurance(procedure.identity_level) <= Assurance.EMAIL:
        return redirect_to_login(request.get_full_path())
    gate = identity_gate(request, procedure)  # what was typed waits in the session meanwhile
    if gate:
        return gate
    stash = _stash(request, procedure)
    done = request.session.get(STASH_DONE_SESSION_KEY, {})
    if stash is None:
        draft_id = done.get(str(procedure.pk))
        if draft_id:
            return redirect("applications:draft_resume", draft_id)
        messages.info(
            request, _("入力途中の内容は見つかりませんでした。お手数ですが、最初から入力してください。")
        )
        return redirect("procedures:detail", org_slug, procedure_slug)
    try:
        draft = services.draft_start(
            applicant=request.user, procedure=procedure, as_proxy=bool(stash.get("as_proxy"))
        )
    except DomainError as exc:
        return error_page(request, exc)
    del request.session[STASH_SESSION_KEY]
    request.session[STASH_DONE_SESSION_KEY] = {**done, str(procedure.pk): str(draft.pk)}
    draft = draft_apply_verified(draft=draft, profile=verified_profile_for(request))
    first = iter_steps(draft.version.definition)[0]
    known = {spec["key"] for spec in first.get("fields", [])}  # the version may have changed meanwhile
    raw = {k: v for k, v in (stash.get("raw") or {}).items() if k in known}
    first = first["key"]
    try:
        services.draft_save_step(draft=draft, step_key=first, raw=raw)
    except FieldErrors:
        return redirect(reverse("applications:draft_step", args=[draft.pk, first]) + "?check=1")
    if draft.data.get(services.PROXY_REQUESTED_KEY):
        return redirect(url_with_return(reverse("applications:draft_proxy", args=[draft.pk]), "resume"))
    return redirect("applications:draft_resume", draft.pk)
