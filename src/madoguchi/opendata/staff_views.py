"""Staff pages: publish a CSV or Excel table as a dataset, and new versions of it.

Who: any staff member for their own department; management (a grant without a department or an
organization-wide role, as on the KPI dashboard) for any department of its organization. A
refused form answers 422 with every problem of the file listed by row and column next to the
file field; what was typed stays, and the chosen file is kept (``UploadHold``) so it need not be
chosen again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.insights.selectors import InsightsScope, access_organization
from madoguchi.opendata import selectors, services
from madoguchi.opendata.models import UploadHold

DESCRIPTION_FIELDS = ("title", "name", "notes", "license_id", "tags", "fiscal_year", "department")


def _summary(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The error summary: one line for the file (its problems are listed next to the field)."""
    out = {k: v for k, v in errors.items() if k != "file"}
    if errors.get("file"):
        n = len(errors["file"])
        out["file"] = [
            errors["file"][0]
            if n == 1
            else ngettext(
                "ファイルに %(n)s 件の問題があります。",
                "ファイルに %(n)s 件の問題があります。",
                n,
            )
            % {"n": n}
        ]
    return out


def _upload(request: HttpRequest) -> tuple[bytes | None, str, UploadHold | None]:
    """The file of this submission: the one chosen now, else the one kept from the last refusal."""
    chosen = request.FILES.get("file")
    if chosen is not None:
        return chosen.read(), chosen.name or "upload", None
    hold = services.upload_hold_find(user=request.user, hold_id=request.POST.get("hold"))
    if hold is not None:
        return bytes(hold.content), hold.file_name, hold
    return None, "", None


def _after_refusal(
    request: HttpRequest,
    errors: dict[str, list[str]],
    content: bytes | None,
    file_name: str,
    hold: UploadHold | None,
) -> UploadHold | None:
    """Keep a file that passed while something else was refused; forget one that was refused."""
    if "file" in errors or not content:
        if hold is not None:
            hold.delete()
        return None
    if hold is not None:
        return hold
    return services.upload_hold_keep(user=request.user, file_name=file_name, content=content)


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    organizations = selectors.staff_organizations(scope=InsightsScope.of(request.user))
    if len(organizations) == 1:
        return redirect("opendata_staff:datasets", org=organizations[0].slug)
    return render(request, "opendata/staff_home.html", {"organizations": organizations})


def _departments(scope: InsightsScope, organization) -> Any:
    allowed = scope.departments(organization.pk)
    qs = organization.departments.order_by("name")
    return qs if allowed is None else qs.filter(pk__in=allowed)


@staff_required
def datasets(request: HttpRequest, org: str) -> HttpResponse:
    """The staff datasets of an organization, and the form that publishes a new one."""
    scope = InsightsScope.of(request.user)
    organization = access_organization(scope=scope, slug=org)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"license_id": "gov-std-2.0"}
    hold = None
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in DESCRIPTION_FIELDS}
        content, file_name, hold = _upload(request)
        try:
            dataset = services.staff_dataset_create(
                actor=request.user,
                scope=scope,
                organization=organization,
                data=values,
                content=content,
                file_name=file_name,
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
            hold = _after_refusal(request, errors, content, file_name, hold)
        else:
            if hold is not None:
                hold.delete()
            messages.success(request, _("データを公開しました。"))
            return redirect("opendata_staff:dataset", name=dataset.name)
    return render(
        request,
        "opendata/staff_datasets.html",
        {
            "organization": organization,
            "datasets": selectors.staff_datasets(scope=scope, organization=organization),
            "departments": _departments(scope, organization),
            "licences": [(key, selectors.LICENSES[key][0]) for key in services.STAFF_LICENSES],
            "values": values,
            "errors": errors,
            "summary": _summary(errors),
            "hold": hold,
        },
        status=form_status(request, errors),
    )


@staff_required
def dataset(request: HttpRequest, name: str) -> HttpResponse:
    """A staff dataset: its versions, a new version (validated against the current schema)."""
    scope = InsightsScope.of(request.user)
    found = selectors.access_staff_dataset(scope=scope, name=name)
    errors: dict[str, list[str]] = {}
    note = ""
    hold = None
    if request.method == "POST":
        note = request.POST.get("note", "").strip()[:500]
        content, file_name, hold = _upload(request)
        try:
            version = services.staff_dataset_version_add(
                actor=request.user, dataset=found, content=content, file_name=file_name, note=note
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
            hold = _after_refusal(request, errors, content, file_name, hold)
        else:
            if hold is not None:
                hold.delete()
            messages.success(request, _("第 %(n)s 版を公開しました。") % {"n": version.number})
            return redirect("opendata_staff:dataset", name=found.name)
    return _dataset_page(request, scope, found, errors=errors, note=note, hold=hold)


def _dataset_page(
    request,
    scope,
    found,
    *,
    errors,
    note="",
    hold=None,
    values=None,
    describe_errors=None,
    withdraw_errors=None,
    withdraw_reason="",
):
    all_errors = {**errors, **(describe_errors or {}), **(withdraw_errors or {})}
    return render(
        request,
        "opendata/staff_dataset.html",
        {
            "values": values
            or {
                "title": found.title,
                "notes": found.notes,
                "license_id": found.license_id,
                "tags": "、".join(t.name for t in found.tags.order_by("name")),
                "fiscal_year": found.fiscal_year or "",
                "department": found.department.slug if found.department else "",
            },
            "departments": _departments(scope, found.organization),
            "licences": [(key, selectors.LICENSES[key][0]) for key in services.STAFF_LICENSES],
            "describe_errors": describe_errors or {},
            "withdraw_errors": withdraw_errors or {},
            "withdraw_reason": withdraw_reason,
            "dataset": found,
            "versions": selectors.dataset_versions(found),
            "licence": selectors.LICENSES.get(found.license_id, (found.license_id, "")),
            "fields": (found.schema or {}).get("fields", []),
            "note": note,
            "errors": errors,
            "summary": _summary(all_errors),
            "hold": hold,
        },
        status=form_status(request, all_errors),
    )


@staff_required
def describe(request: HttpRequest, name: str) -> HttpResponse:
    """Change the title, description, licence, tags, year or department of a staff dataset."""
    scope = InsightsScope.of(request.user)
    found = selectors.access_staff_dataset(scope=scope, name=name)
    if request.method != "POST":
        return redirect("opendata_staff:dataset", name=found.name)
    values = {key: request.POST.get(key, "") for key in DESCRIPTION_FIELDS if key != "name"}
    try:
        fields = services.staff_dataset_fields(
            scope=scope, organization=found.organization, data=values, new=False
        )
    except FieldErrors as exc:
        return _dataset_page(request, scope, found, errors={}, values=values, describe_errors=exc.as_dict())
    services.staff_dataset_describe(actor=request.user, dataset=found, fields=fields)
    messages.success(request, _("説明を変更しました。"))
    return redirect("opendata_staff:dataset", name=found.name)


@staff_required
def withdraw(request: HttpRequest, name: str) -> HttpResponse:
    """Withdraw a staff dataset from the catalog (with the reason the public sees), or put it back."""
    scope = InsightsScope.of(request.user)
    found = selectors.access_staff_dataset(scope=scope, name=name)
    if request.method != "POST":
        return redirect("opendata_staff:dataset", name=found.name)
    if request.POST.get("action") == "restore":
        services.staff_dataset_restore(actor=request.user, dataset=found)
        messages.success(request, _("カタログに戻しました。"))
        return redirect("opendata_staff:dataset", name=found.name)
    reason = request.POST.get("reason", "")
    try:
        services.staff_dataset_withdraw(actor=request.user, dataset=found, reason=reason)
    except FieldErrors as exc:
        return _dataset_page(
            request, scope, found, errors={}, withdraw_errors=exc.as_dict(), withdraw_reason=reason[:600]
        )
    messages.success(request, _("カタログから取り下げました。公開ページには理由を表示します。"))
    return redirect("opendata_staff:dataset", name=found.name)
