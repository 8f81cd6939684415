"""The CKAN Action API subset (``/api/3/action/<name>``, ``/api/action/<name>``), read-only.

Answers CKAN's envelope ``{"help": …, "success": true, "result": …}``; errors are
``{"success": false, "error": {"__type": "Not Found Error" | "Validation Error", "message": …}}``
with CKAN's statuses (404, 409). GET parameters or a POSTed JSON object, as the ``ckanapi``
client sends them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from madoguchi.opendata import catalog


class ActionError(Exception):
    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(message)
        self.kind, self.message, self.status = kind, message, status


def _not_found(what: str) -> ActionError:
    return ActionError("Not Found Error", f"{what} not found", 404)


def _int(params: dict[str, Any], key: str, default: int, maximum: int = 1000) -> int:
    raw = params.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ActionError("Validation Error", f"{key}: Invalid integer", 409) from None
    if value < 0:
        raise ActionError("Validation Error", f"{key}: Must be a natural number", 409)
    return min(value, maximum)


def status_show(params: dict[str, Any], base: str) -> Any:
    return {"site_title": "Madoguchi open data", "site_url": base, "ckan_version": "2.10.0", "extensions": []}


def package_list(params: dict[str, Any], base: str) -> Any:
    names = sorted(catalog.dataset_name(o) for o in catalog.published_organizations())
    offset = _int(params, "offset", 0)
    limit = _int(params, "limit", len(names) or 1)
    return names[offset : offset + limit]


def package_show(params: dict[str, Any], base: str) -> Any:
    organization = catalog.organization_by_dataset(str(params.get("id", "")))
    if organization is None:
        raise _not_found("Dataset")
    return catalog.package_dict(organization, base_url=base)


def resource_show(params: dict[str, Any], base: str) -> Any:
    resource_id = str(params.get("id", ""))
    organization = catalog.organization_by_dataset(resource_id.removesuffix("-csv"))
    if organization is None:
        raise _not_found("Resource")
    return catalog.package_dict(organization, base_url=base)["resources"][0]


def package_search(params: dict[str, Any], base: str) -> Any:
    rows = _int(params, "rows", 10)
    start = _int(params, "start", 0, maximum=10**9)
    q = str(params.get("q", "") or "").strip()
    fq = str(params.get("fq", "") or "").strip()
    packages = [catalog.package_dict(o, base_url=base) for o in catalog.published_organizations()]
    if q and q != "*:*":
        packages = [
            p for p in packages if all(term in (p["title"] + p["notes"] + p["name"]) for term in q.split())
        ]
    for clause in fq.split():
        field, _sep, value = clause.partition(":")
        value = value.strip('"')
        if field == "organization":
            packages = [p for p in packages if p["organization"]["name"] == value]
        elif field == "tags":
            packages = [p for p in packages if value in {t["name"] for t in p["tags"]}]
        elif field == "res_format":
            packages = [p for p in packages if value.upper() in {r["format"] for r in p["resources"]}]
    packages.sort(key=lambda p: p["name"])
    if str(params.get("sort", "")).startswith("metadata_modified desc"):
        packages.sort(key=lambda p: p["metadata_modified"], reverse=True)
    return {
        "count": len(packages),
        "results": packages[start : start + rows],
        "facets": {},
        "search_facets": {},
    }


def organization_list(params: dict[str, Any], base: str) -> Any:
    organizations = catalog.published_organizations()
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [catalog.organization_dict(o) for o in organizations]
    return [o.slug for o in organizations]


def organization_show(params: dict[str, Any], base: str) -> Any:
    wanted = str(params.get("id", ""))
    for organization in catalog.published_organizations():
        if organization.slug == wanted:
            return {**catalog.organization_dict(organization), "package_count": 1}
    raise _not_found("Organization")


def group_list(params: dict[str, Any], base: str) -> Any:
    return []


ACTIONS: dict[str, Callable[[dict[str, Any], str], Any]] = {
    f.__name__: f
    for f in (
        status_show,
        package_list,
        package_show,
        resource_show,
        package_search,
        organization_list,
        organization_show,
        group_list,
    )
}


@csrf_exempt
def action(request: HttpRequest, name: str) -> JsonResponse:
    help_url = request.build_absolute_uri(f"/api/3/action/help_show?name={name}")
    base = request.build_absolute_uri("/").rstrip("/")
    handler = ACTIONS.get(name)
    try:
        if handler is None:
            raise ActionError("Not Found Error", f"Action name not known: {name}", 400)
        params: dict[str, Any] = dict(request.GET.items())
        if request.method == "POST" and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                raise ActionError("Validation Error", "Bad request - JSON Error", 400) from None
            if not isinstance(body, dict):
                raise ActionError("Validation Error", "Bad request - JSON Error", 400)
            params.update(body)
        result = handler(params, base)
    except ActionError as exc:
        return JsonResponse(
            {"help": help_url, "success": False, "error": {"__type": exc.kind, "message": exc.message}},
            status=exc.status,
        )
    return JsonResponse({"help": help_url, "success": True, "result": result})
