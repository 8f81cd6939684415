"""Builder pages under /builder/ (staff: 手続所管 or 管理者). Work without JavaScript.

Each view parses the request, calls one service (procedures.services, exchange, bulk) or
selector, and renders or redirects. builder.js only adds drag and drop on top.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.accounts.models import Organization
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures import bulk, exchange, services
from madoguchi.procedures.builder import forms, selectors
from madoguchi.procedures.constants import FeeKind
from madoguchi.procedures.diff import definition_diff
from madoguchi.procedures.fields import (
    FieldValidationError,
    ValidationContext,
    apply_lookup,
    lookup_requested,
    registry,
)
from madoguchi.procedures.uploads import check_upload
from madoguchi.procedures.validation import display_rows, get_step, iter_steps, parse_step_form, validate_step

PREVIEW_SESSION = "builder.preview.%s"


def _error_page(request, exc: DomainError):
    return render(
        request, "core/error.html", {"title": _("ご案内"), "message": exc.message}, status=exc.status
    )


def _editor(procedure, anchor: str = ""):
    url = reverse("builder:edit", args=[procedure.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _revision(request) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


# ---------------------------------------------------------------------------- lists


@staff_required
def index(request):
    procedures = selectors.builder_procedures(request.user)
    return render(
        request,
        "procedures/builder/index.html",
        {
            "procedures": procedures,
            "can_build": bool(services.builder_organizations(request.user)),
            "bulk_procedures": bulk.bulk_procedures(request.user),
            "nav": "index",
        },
    )


def _settings_values(form_data, procedure=None) -> dict[str, Any]:
    names = services.SETTING_FIELDS
    values = {
        name: form_data.get(name, "")
        for name in names
        if name not in {"life_events", "allows_proxy", "is_public"} and (name in form_data or name == "title")
    }
    values["life_events"] = form_data.getlist("life_events") if hasattr(form_data, "getlist") else []
    values["allows_proxy"] = form_data.get("allows_proxy") == "on"
    if procedure is not None:  # 一般公開 is chosen on the settings page of an existing procedure
        values["is_public"] = form_data.get("is_public") == "on"
    return values


def _organization_choice(request) -> tuple[list[Organization], Organization | None]:
    organizations = services.builder_organizations(request.user)
    wanted = request.POST.get("organization") or request.GET.get("organization")
    chosen = next((o for o in organizations if str(o.pk) == str(wanted)), None)
    if chosen is None and len(organizations) == 1:
        chosen = organizations[0]
    return organizations, chosen


@staff_required
@require_http_methods(["GET", "POST"])
def create(request):
    organizations, organization = _organization_choice(request)
    if not organizations:
        raise Http404
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"fee_kind": FeeKind.NONE, "identity_level": "account", "category": "other"}
    if request.method == "POST":
        values = _settings_values(request.POST)
        if organization is None:
            errors["organization"] = [_("団体を選んでください。")]
        else:
            try:
                procedure = services.procedure_create(
                    actor=request.user, organization=organization, is_public=True, **values
                )
            except FieldErrors as exc:
                errors = exc.as_dict()
            except DomainError as exc:
                return _error_page(request, exc)
            else:
                messages.success(request, _("手続を作成しました。続けて手順と項目を追加してください。"))
                return _editor(procedure)
    return render(
        request,
        "procedures/builder/settings.html",
        {
            "procedure": None,
            "organizations": organizations,
            "organization": organization,
            "departments": organization.departments.all() if organization else [],
            "values": values,
            "errors": errors,
            "form": forms.SettingsForm(),
            "nav": "create",
        },
        status=422 if errors else 200,
    )


@staff_required
def templates(request):
    return render(
        request,
        "procedures/builder/templates.html",
        {
            "templates": selectors.template_library(),
            "organizations": services.builder_organizations(request.user),
            "nav": "templates",
        },
    )


@staff_required
@require_POST
def template_copy(request, procedure_id: int):
    from madoguchi.procedures.models import Procedure

    template = Procedure.objects.filter(pk=procedure_id, is_template=True).first()
    if template is None:
        raise Http404
    organizations, organization = _organization_choice(request)
    if organization is None:
        raise Http404
    try:
        procedure = services.procedure_copy_template(
            actor=request.user, template=template, organization=organization
        )
    except DomainError as exc:
        return _error_page(request, exc)
    messages.success(
        request, _("テンプレートをコピーしました。内容を自団体に合わせて直してから公開してください。")
    )
    return _editor(procedure)


@staff_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    organizations, organization = _organization_choice(request)
    if not organizations:
        raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if organization is None:
            errors["organization"] = [_("団体を選んでください。")]
        elif uploaded is None:
            errors["file"] = [_("書き出したJSONファイルを選んでください。")]
        else:
            try:
                procedure = exchange.procedure_import(
                    actor=request.user, organization=organization, data=uploaded.read()
                )
            except FieldErrors as exc:
                errors = exc.as_dict()
            except DomainError as exc:
                return _error_page(request, exc)
            else:
                messages.success(request, _("手続を取り込みました。内容を確かめてから公開してください。"))
                return _editor(procedure)
    return render(
        request,
        "procedures/builder/import.html",
        {"organizations": organizations, "organization": organization, "errors": errors, "nav": "import"},
        status=422 if errors else 200,
    )


# ---------------------------------------------------------------------------- editor


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
            revision=_revision(request),
            **arguments,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _editor(
            procedure, f"step-{arguments.get('step_key', '')}" if arguments.get("step_key") else ""
        )
    if operation in {"add_field", "duplicate_field"} and extra:
        messages.success(request, _("項目を追加しました。見出しや入力チェックを設定してください。"))
        return redirect("builder:field", procedure.pk, extra)
    anchor = f"field-{arguments['key']}" if arguments.get("key") and operation != "remove_field" else ""
    if not anchor and arguments.get("step_key"):
        anchor = f"step-{arguments['step_key']}"
    return _editor(procedure, anchor)


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
    return _editor(procedure)


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def settings(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    errors: dict[str, list[str]] = {}
    values = {name: getattr(procedure, name) for name in services.SETTING_FIELDS}
    values["department"] = procedure.department_id or ""
    if request.method == "POST":
        values = _settings_values(request.POST, procedure)
        try:
            services.procedure_update_settings(actor=request.user, procedure=procedure, **values)
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError as exc:
            return _error_page(request, exc)
        else:
            messages.success(request, _("手続の基本情報を保存しました。"))
            return _editor(procedure)
    return render(
        request,
        "procedures/builder/settings.html",
        {
            "procedure": procedure,
            "organization": procedure.organization,
            "departments": procedure.organization.departments.all(),
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
                    revision=_revision(request),
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
                return _editor(procedure, f"field-{new_spec['key']}")
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
            "functions": sorted(__import__("madoguchi.procedures.rules", fromlist=["FUNCTIONS"]).FUNCTIONS),
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
                revision=_revision(request),
                step_key=step_key,
                title=values["title"],
                description=values["description"],
                new_key=values["key"],
            )
        except DomainError as exc:
            errors["title" if "見出し" in str(exc.message) else "key"] = [exc.message]
        else:
            messages.success(request, _("手順を保存しました。"))
            return _editor(procedure, f"step-{values['key'] or step_key}")
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


# ---------------------------------------------------------------------------- preview


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
        return _editor(procedure)
    keys = [s["key"] for s in steps]
    state = _preview_state(request, procedure)
    if request.method == "POST" and request.POST.get("action") == "reset":
        request.session.pop(PREVIEW_SESSION % procedure.pk, None)
        return redirect("builder:preview", procedure.pk)
    step_key = request.POST.get("step") or request.GET.get("step") or keys[0]
    if step_key == "__confirm":
        return render(
            request,
            "procedures/builder/preview_confirm.html",
            {
                "procedure": procedure,
                "rows": display_rows(definition, state["data"]),
                "keys": keys,
                "steps": steps,
                "nav": "edit",
            },
        )
    if step_key not in keys:
        raise Http404
    current = steps[keys.index(step_key)]
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
                own = {s["key"] for s in current.get("fields", [])}
                data = {k: v for k, v in data.items() if k not in own}
                data.update(cleaned)
                state["done"] = sorted(set(state.get("done", [])) | {step_key})
        state["data"] = data
        request.session[PREVIEW_SESSION % procedure.pk] = state
        if not errors and not lookup_requested(request.POST):
            index = keys.index(step_key)
            following = keys[index + 1] if index + 1 < len(keys) else "__confirm"
            return redirect(f"{reverse('builder:preview', args=[procedure.pk])}?step={following}")
    order = [s.get("key") for s in current.get("fields", [])]
    error_list = [
        {"href": f"#id_{key}", "message": message}
        for key in sorted(
            errors, key=lambda k: order.index(k.split(".")[0]) if k.split(".")[0] in order else len(order)
        )
        for message in errors[key]
    ]
    return render(
        request,
        "procedures/builder/preview.html",
        {
            "procedure": procedure,
            "step": current,
            "steps": steps,
            "number": keys.index(step_key) + 1,
            "fields": [{"spec": s, "value": data.get(s.get("key"))} for s in current.get("fields", [])],
            "errors": errors,
            "error_list": error_list,
            "done": state.get("done", []),
            "nav": "edit",
        },
    )  # 200 with the messages: the errors are what 試しに送信 is for


# ---------------------------------------------------------------------------- publish, versions


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def publish(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    draft = services.procedure_draft(procedure=procedure)
    if request.method == "POST":
        try:
            version = services.procedure_publish(
                actor=request.user, procedure=procedure, revision=_revision(request)
            )
        except FieldErrors:
            pass  # shown again below from check_definition
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("第%(n)s版を公開しました。申請の途中の方は、始めたときの版のまま続けられます。")
                % {"n": version.number},
            )
            return _editor(procedure)
        draft = services.procedure_draft(procedure=procedure)
    overview = selectors.publish_overview(procedure, draft.definition)
    return render(
        request,
        "procedures/builder/publish.html",
        {"procedure": procedure, "draft": draft, **overview, "nav": "edit"},
        status=422 if request.method == "POST" else 200,
    )


@staff_required
def diff(request, procedure_id: int):
    """Changes between two versions (?from=1&to=2), or from the current version to the draft."""
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    versions = {str(v.number): v for v in selectors.version_list(procedure)}
    old = versions.get(request.GET.get("from", ""))
    new = versions.get(request.GET.get("to", ""))
    old_definition = (
        old.definition
        if old
        else (procedure.current_version.definition if procedure.current_version else {"steps": []})
    )
    new_definition = new.definition if new else services.procedure_draft(procedure=procedure).definition
    return render(
        request,
        "procedures/builder/diff.html",
        {
            "procedure": procedure,
            "old": old or procedure.current_version,
            "new": new,
            "changes": definition_diff(old_definition, new_definition),
            "versions": list(versions.values()),
            "nav": "edit",
        },
    )


@staff_required
@require_POST
def restore(request, procedure_id: int, number: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    version = procedure.versions.filter(number=number).first()
    if version is None:
        raise Http404
    services.procedure_draft_restore_version(actor=request.user, procedure=procedure, version=version)
    messages.success(
        request, _("第%(n)s版の内容を下書きに読み込みました（「元に戻す」で取り消せます）。") % {"n": number}
    )
    return _editor(procedure)


@staff_required
@require_POST
def share(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    shared = request.POST.get("shared") == "1"
    try:
        services.procedure_share_as_template(actor=request.user, procedure=procedure, shared=shared)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("テンプレートとして共有しました。") if shared else _("テンプレートの共有をやめました。"),
        )
    return _editor(procedure)


# ---------------------------------------------------------------------------- exchange


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_required
def export_json(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    if request.GET.get("source") == "published" and procedure.current_version:
        definition = procedure.current_version.definition
    else:
        definition = services.procedure_draft(procedure=procedure).definition
    return _download(
        exchange.export_json(procedure, definition).encode(),
        f"{procedure.slug}.json",
        "application/json; charset=utf-8",
    )


@staff_required
def dictionary_csv(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    definition = services.procedure_draft(procedure=procedure).definition
    return _download(
        exchange.data_dictionary_csv(definition),
        f"{procedure.slug}-dictionary.csv",
        "text/csv; charset=utf-8",
    )


@staff_required
@require_POST
def import_into(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("書き出したJSONファイルを選んでください。"))
        return _editor(procedure)
    try:
        exchange.procedure_import_into_draft(actor=request.user, procedure=procedure, data=uploaded.read())
    except FieldErrors as exc:
        for found in exc.as_dict().values():
            for message in found:
                messages.error(request, message)
    else:
        messages.success(request, _("JSONの内容を下書きに読み込みました（「元に戻す」で取り消せます）。"))
    return _editor(procedure)


# ---------------------------------------------------------------------------- bulk


@staff_required
def bulk_index(request):
    return render(
        request,
        "procedures/builder/bulk_index.html",
        {"procedures": bulk.bulk_procedures(request.user), "nav": "bulk"},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def bulk_upload(request, procedure_id: int):
    procedure = selectors.access_bulk_procedure(user=request.user, procedure_id=procedure_id)
    errors: dict[str, list[str]] = {}
    if request.GET.get("template"):
        return _download(
            bulk.template_csv(procedure.current_version.definition),
            f"{procedure.slug}-template.csv",
            "text/csv; charset=utf-8",
        )
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            errors["file"] = [_("CSVまたはExcelのファイルを選んでください。")]
        else:
            try:
                upload, created = bulk.bulk_upload_check(
                    actor=request.user, procedure=procedure, file_name=uploaded.name, data=uploaded.read()
                )
            except FieldErrors as exc:
                errors = exc.as_dict()
            except DomainError as exc:
                return _error_page(request, exc)
            else:
                if not created:
                    messages.info(
                        request,
                        _(
                            "このファイルは以前にも取り込まれています。前回の結果を表示します（新しい申請は作られません）。"
                        ),
                    )
                return redirect("builder:bulk_result", upload.pk)
    return render(
        request,
        "procedures/builder/bulk_upload.html",
        {
            "procedure": procedure,
            "columns": bulk.bulk_columns(procedure.current_version.definition),
            "errors": errors,
            "uploads": procedure.bulk_uploads.filter(uploaded_by=request.user)[:20],
            "nav": "bulk",
        },
        status=422 if errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def bulk_result(request, upload_id):
    upload = selectors.access_bulk_upload(user=request.user, upload_id=upload_id)
    if request.method == "POST":
        try:
            created = bulk.bulk_upload_confirm(actor=request.user, upload=upload)
        except DomainError as exc:
            return _error_page(request, exc)
        messages.success(request, _("%(n)s件の申請を提出しました。") % {"n": created})
        return redirect("builder:bulk_result", upload.pk)
    rows = list(upload.rows.select_related("application").order_by("number"))
    return render(
        request,
        "procedures/builder/bulk_result.html",
        {
            "upload": upload,
            "bad_rows": [r for r in rows if r.errors],
            "good_rows": [r for r in rows if not r.errors],
            "nav": "bulk",
        },
    )
