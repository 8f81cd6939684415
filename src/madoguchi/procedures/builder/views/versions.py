"""Publishing the draft, the changes between versions, restoring an old version, sharing as a template."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures import services
from madoguchi.procedures.builder import selectors
from madoguchi.procedures.builder.views.common import posted_revision, to_editor
from madoguchi.procedures.diff import definition_diff


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def publish(request, procedure_id: int):
    procedure = selectors.access_procedure(user=request.user, procedure_id=procedure_id)
    draft = services.procedure_draft(procedure=procedure)
    if request.method == "POST":
        try:
            version = services.procedure_publish(
                actor=request.user, procedure=procedure, revision=posted_revision(request)
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
            return to_editor(procedure)
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
    return to_editor(procedure)


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
    return to_editor(procedure)
