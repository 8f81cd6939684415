"""The preview: the draft's steps as the applicant sees them at phone width; 「試しに送信」 validates
without saving anything."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.procedures import services
from madoguchi.procedures.builder import selectors
from madoguchi.procedures.builder.views.common import to_editor
from madoguchi.procedures.fields import FieldValidationError, ValidationContext
from madoguchi.procedures.lookup import apply_lookup, lookup_requested
from madoguchi.procedures.steps import (
    error_links,
    flow_steps,
    step_fields,
    step_neighbours,
    step_values_merge,
)
from madoguchi.procedures.translations import localize
from madoguchi.procedures.uploads import check_upload
from madoguchi.procedures.validation import display_rows, iter_steps, parse_step_form, validate_step

PREVIEW_SESSION = "builder.preview.%s"


def _preview_state(request, procedure) -> dict[str, Any]:
    state = request.session.get(PREVIEW_SESSION % procedure.pk)
    return state if isinstance(state, dict) else {"data": {}, "done": []}


def _store_preview_files(step: dict, raw: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, dict]:
    """Preview uploads are checked (type sniffed, size) but not stored: a stand-in reference is kept."""
    known: dict[str, dict] = {}
    for spec in step.get("fields", []):
        value = raw.get(spec["key"])
        if isinstance(value, UploadedFile):
            try:
                content_type = check_upload(value, spec)
            except FieldValidationError as exc:
                errors.setdefault(spec["key"], []).extend(exc.messages())
                raw[spec["key"]] = ""
                continue
            reference = {
                "attachment_id": f"preview-{spec['key']}",
                "name": value.name,
                "size": value.size,
                "content_type": content_type,
            }
            raw[spec["key"]] = reference
        if isinstance(raw.get(spec["key"]), dict) and str(
            raw[spec["key"]].get("attachment_id", "")
        ).startswith("preview-"):
            known[raw[spec["key"]]["attachment_id"]] = raw[spec["key"]]
    return known


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def preview(request, procedure_id: int):
    """The applicant page at phone width, from the unpublished draft; 「試しに送信」 validates it."""
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    definition = services.procedure_draft(procedure=procedure).definition
    steps = iter_steps(definition)
    if not steps or not steps[0].get("fields"):
        messages.error(request, _("プレビューするには、手順に項目を1つ以上追加してください。"))
        return to_editor(procedure)
    state = _preview_state(request, procedure)
    if request.method == "POST" and request.POST.get("action") == "reset":
        request.session.pop(PREVIEW_SESSION % procedure.pk, None)
        return redirect("builder:preview", procedure.pk)
    # the pages as the applicant goes through them (procedures/steps.py, shared with the
    # applicant pages and the counter): a step skipped by the answers so far is skipped here too
    flow = flow_steps(definition, state["data"], state.get("done", []))
    keys = [s.key for s in flow]
    step_key = request.POST.get("step") or request.GET.get("step") or (keys[0] if keys else "__confirm")
    if step_key == "__confirm":
        return render(
            request,
            "procedures/builder/preview_confirm.html",
            {
                "procedure": procedure,
                "rows": display_rows(definition, state["data"]),
                "keys": keys,
                "steps": flow,
                "nav": "edit",
            },
        )
    if step_key not in {s["key"] for s in steps}:
        raise Http404
    if step_key not in keys:  # skipped by the answers so far
        first = keys[0] if keys else "__confirm"
        return redirect(f"{reverse('builder:preview', args=[procedure.pk])}?step={first}")
    current = steps[[s["key"] for s in steps].index(step_key)]
    errors: dict[str, list[str]] = {}
    data = dict(state["data"])
    if request.method == "POST":
        raw = parse_step_form(definition, step_key, request.POST, request.FILES)
        if lookup_requested(request.POST):
            raw, errors = apply_lookup(definition, step_key, request.POST)
            data.update(raw)
        else:
            known_files = _store_preview_files(current, raw, errors)
            context = ValidationContext(
                user=request.user,
                organization_id=procedure.organization_id,
                attachment_lookup=lambda aid: (
                    SimpleNamespace(
                        id=aid,
                        original_name=known_files[aid]["name"],
                        size=known_files[aid]["size"],
                        content_type=known_files[aid]["content_type"],
                    )
                    if aid in known_files
                    else None
                ),
            )
            try:
                cleaned = validate_step(definition, step_key, raw, context=context, known=data)
            except FieldErrors as exc:
                for key, found in exc.as_dict().items():
                    errors.setdefault(key, []).extend(found)
            if errors:
                data.update({k: v for k, v in raw.items() if not isinstance(v, UploadedFile)})
            else:
                data = step_values_merge(data, current, cleaned)
                state["done"] = sorted(set(state.get("done", [])) | {step_key})
        state["data"] = data
        request.session[PREVIEW_SESSION % procedure.pk] = state
        flow = flow_steps(definition, data, state.get("done", []))  # an answer may add or skip pages
        if not errors and not lookup_requested(request.POST):
            _previous, following = step_neighbours(flow, step_key)
            target = following.key if following is not None else "__confirm"
            return redirect(f"{reverse('builder:preview', args=[procedure.pk])}?step={target}")
    keys = [s.key for s in flow]
    shown = localize(current)  # title, description and fields in the page's language, as applicants see them
    return render(
        request,
        "procedures/builder/preview.html",
        {
            "procedure": procedure,
            "step": shown,
            "steps": flow,
            "number": keys.index(step_key) + 1 if step_key in keys else 1,
            "fields": step_fields(shown, data),
            "errors": errors,
            "error_list": error_links(shown, errors),
            "done": state.get("done", []),
            "nav": "edit",
        },
        status=form_status(request, errors),  # as the applicant's page answers the same post
    )
