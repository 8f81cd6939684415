"""The builder's lists: the procedures a staff member builds, a new procedure, the template library."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures import services
from madoguchi.procedures.builder import forms, selectors
from madoguchi.procedures.builder.views.common import (
    error_page,
    organization_choice,
    settings_values,
    to_editor,
)
from madoguchi.procedures.constants import FeeKind
from madoguchi.procedures.models import Procedure


@staff_required
def index(request):
    procedures = selectors.builder_procedures(request.user)
    return render(
        request,
        "procedures/builder/index.html",
        {
            "procedures": procedures,
            "can_build": bool(services.builder_organizations(request.user)),
            "bulk_procedures": selectors.bulk_procedures(request.user),
            "nav": "index",
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def create(request):
    organizations, organization = organization_choice(request)
    if not organizations:
        raise Http404
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "fee_kind": FeeKind.NONE,
        "identity_level": "account",
        "category": "other",
        "retention_period": "5y",
    }
    if request.method == "POST":
        values = settings_values(request.POST)
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
                return error_page(request, exc)
            else:
                messages.success(request, _("手続を作成しました。続けて手順と項目を追加してください。"))
                return to_editor(procedure)
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
    template = Procedure.objects.filter(pk=procedure_id, is_template=True).first()
    if template is None:
        raise Http404
    organizations, organization = organization_choice(request)
    if organization is None:
        raise Http404
    try:
        procedure = services.procedure_copy_template(
            actor=request.user, template=template, organization=organization
        )
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(
        request, _("テンプレートをコピーしました。内容を自団体に合わせて直してから公開してください。")
    )
    return to_editor(procedure)
