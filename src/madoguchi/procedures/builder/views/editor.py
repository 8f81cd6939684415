"""The editor of a procedure's draft: the overview, one operation per button, undo, the settings,
one field's options and one step's title."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures import rules, services
from madoguchi.procedures.builder import forms, selectors
from madoguchi.procedures.builder.views.common import (
    error_page,
    posted_revision,
    settings_values,
    to_editor,
)
from madoguchi.procedures.fields import registry
from madoguchi.procedures.validation import get_step


@staff_required
@never_cache
def edit(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    draft = services.procedure_draft(procedure=procedure)
    overview = selectors.publish_overview(procedure, draft.definition)
    return render(
        request,
        "procedures/builder/edit.html",
        {
            "procedure": procedure,
            "draft": draft,
            "steps": selectors.editor_steps(draft.definition),
            "field_types": selectors.field_types(),
            "problems": overview["problems"],
            "changes": overview["changes"],
            "versions": selectors.version_list(procedure),
            "can_undo": draft.snapshots.exists(),
            "nav": "edit",
        },
    )


OPERATION_ARGUMENTS = {
    "add_step": ("title",),
    "move_step": ("step_key", "offset"),
    "remove_step": ("step_key",),
    "add_field": ("step_key", "type_id", "label"),
    "move_field": ("key", "offset"),
    "move_field_to": ("key", "step_key", "position"),
    "remove_field": ("key",),
    "duplicate_field": ("key",),
    "add_check": ("step_key", "rule", "message", "kind", "field"),
    "remove_check": ("step_key", "index"),
}
INT_ARGUMENTS = {"offset", "position", "index"}
BUTTON_ACTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "up": ("move_field", {"offset": -1}),
    "down": ("move_field", {"offset": 1}),
    "duplicate": ("duplicate_field", {}),
    "remove": ("remove_field", {}),
    "step_up": ("move_step", {"offset": -1}),
    "step_down": ("move_step", {"offset": 1}),
    "step_remove": ("remove_step", {}),
}


@staff_required
@require_POST
def operate(request, procedure_id: int):
    """One builder operation named by ``op`` (the buttons of the editor page; builder.js too)."""
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    operation = request.POST.get("op", "")
    preset: dict[str, Any] = {}
    if request.POST.get("action") in BUTTON_ACTIONS:  # the row buttons share one form per field/step
        operation, preset = BUTTON_ACTIONS[request.POST["action"]]
    if operation not in OPERATION_ARGUMENTS:
        raise Http404
    arguments: dict[str, Any] = {}
    for name in OPERATION_ARGUMENTS[operation]:
        value = preset[name] if name in preset else request.POST.get(name, "")
        if name in INT_ARGUMENTS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise Http404 from None
        arguments[name] = value.strip() if isinstance(value, str) else value
    try:
        _draft, extra = services.procedure_draft_change(
            actor=request.user,
            procedure=procedure,
            operation=operation,
            revision=posted_revision(request),
            **arguments,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return to_editor(
            procedure, f"step-{arguments.get('step_key', '')}" if arguments.get("step_key") else ""
        )
    if operation in {"add_field", "duplicate_field"} and extra:
        messages.success(request, _("項目を追加しました。見出しや入力チェックを設定してください。"))
        return redirect("builder:field", procedure.pk, extra)
    anchor = f"field-{arguments['key']}" if arguments.get("key") and operation != "remove_field" else ""
    if not anchor and arguments.get("step_key"):
        anchor = f"step-{arguments['step_key']}"
    return to_editor(procedure, anchor)


@staff_required
@require_POST
def undo(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    try:
        services.procedure_draft_undo(actor=request.user, procedure=procedure)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("直前の変更を元に戻しました。"))
    return to_editor(procedure)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def settings(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    errors: dict[str, list[str]] = {}
    values = {name: getattr(procedure, name) for name in services.SETTING_FIELDS}
    values["department"] = procedure.department_id or ""
    values["bulk_submitters"] = [str(pk) for pk in procedure.bulk_submitters.values_list("pk", flat=True)]
    if request.method == "POST":
        values = settings_values(request.POST, procedure)
        try:
            services.procedure_update_settings(actor=request.user, procedure=procedure, **values)
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError as exc:
            return error_page(request, exc)
        else:
            messages.success(request, _("手続の基本情報を保存しました。"))
            return to_editor(procedure)
    return render(
        request,
        "procedures/builder/settings.html",
        {
            "procedure": procedure,
            "organization": procedure.organization,
            "departments": procedure.organization.departments.all(),
            "submitter_choices": selectors.bulk_submitter_choices(procedure=procedure),
            "values": values,
            "errors": errors,
            "form": forms.SettingsForm(),
            "nav": "edit",
        },
        status=422 if errors else 200,
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def field(request, procedure_id: int, key: str):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    draft = services.procedure_draft(procedure=procedure)
    specs = selectors.field_specs(draft.definition)
    spec = specs.get(key)
    if spec is None or spec.get("type") not in registry:
        raise Http404
    field_type = registry[spec["type"]]
    values = forms.field_form_values(spec)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        new_spec, errors, values = forms.read_field_form(spec, request.POST)
        if not errors:
            problems = field_type.check_spec(new_spec)
            if problems:
                errors["__all__"] = problems
        if not errors:
            try:
                services.procedure_draft_change(
                    actor=request.user,
                    procedure=procedure,
                    operation="replace_field",
                    revision=posted_revision(request),
                    key=key,
                    spec=new_spec,
                )
            except DomainError as exc:
                errors["key" if "key" in str(exc.message) else "__all__"] = [exc.message]
            else:
                messages.success(
                    request,
                    _("項目「%(label)s」を保存しました。")
                    % {"label": new_spec.get("label") or new_spec["key"]},
                )
                return to_editor(procedure, f"field-{new_spec['key']}")
    others = [s for k, s in specs.items() if k != key]
    return render(
        request,
        "procedures/builder/field.html",
        {
            "procedure": procedure,
            "draft": draft,
            "spec": spec,
            "type_label": field_type.label,
            "has_value": field_type.has_value and not field_type.computes,
            "has_label": field_type.has_value,
            "values": values,
            "errors": errors,
            "options": forms.option_rows(spec, values, errors),
            "other_fields": others,
            "rule_previews": [
                {"word": word, **selectors.rule_summary(values.get(name, ""), specs)}
                for name, word in (("show_if", _("表示する条件")), ("required_if", _("必須になる条件")))
                if values.get(name) and name not in errors
            ],
            "functions": sorted(rules.FUNCTIONS),
            "nav": "edit",
        },
        status=422 if errors else 200,
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def step(request, procedure_id: int, step_key: str):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    draft = services.procedure_draft(procedure=procedure)
    try:
        current = get_step(draft.definition, step_key)
    except KeyError:
        raise Http404 from None
    values = {
        "title": current.get("title", ""),
        "description": current.get("description", ""),
        "key": step_key,
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in ("title", "description", "key")}
        try:
            services.procedure_draft_change(
                actor=request.user,
                procedure=procedure,
                operation="update_step",
                revision=posted_revision(request),
                step_key=step_key,
                title=values["title"],
                description=values["description"],
                new_key=values["key"],
            )
        except DomainError as exc:
            errors["title" if "見出し" in str(exc.message) else "key"] = [exc.message]
        else:
            messages.success(request, _("手順を保存しました。"))
            return to_editor(procedure, f"step-{values['key'] or step_key}")
    return render(
        request,
        "procedures/builder/step.html",
        {
            "procedure": procedure,
            "draft": draft,
            "step_key": step_key,
            "values": values,
            "errors": errors,
            "nav": "edit",
        },
        status=422 if errors else 200,
    )
