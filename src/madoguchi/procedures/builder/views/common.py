"""What the builder pages share: the staff check (accounts.decorators.staff_required), redirects to the editor, downloads, settings posts."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.core.errors import DomainError
from madoguchi.procedures import services


def error_page(request, exc: DomainError):
    return render(
        request, "core/error.html", {"title": _("ご案内"), "message": exc.message}, status=exc.status
    )


def to_editor(procedure, anchor: str = ""):
    url = reverse("builder:edit", args=[procedure.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def posted_revision(request) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


def settings_values(form_data, procedure=None) -> dict[str, Any]:
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
    if procedure is not None and form_data.get("bulk_submitters_shown"):  # S2: 所属所 may upload
        values["bulk_submitters"] = form_data.getlist("bulk_submitters")
    return values


def organization_choice(request) -> tuple[list[Organization], Organization | None]:
    organizations = services.builder_organizations(request.user)
    wanted = request.POST.get("organization") or request.GET.get("organization")
    chosen = next((o for o in organizations if str(o.pk) == str(wanted)), None)
    if chosen is None and len(organizations) == 1:
        chosen = organizations[0]
    return organizations, chosen


def download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
