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

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from madoguchi.opendata import selectors
from madoguchi.opendata.models import Dataset


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


def _list(params: dict[str, Any], key: str) -> list[str]:
    raw = params.get(key)
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.lstrip().startswith("[") else raw.split(",")
        except ValueError:
            raise ActionError("Validation Error", f"{key}: Invalid JSON list", 409) from None
    if not isinstance(raw, list):
        raise ActionError("Validation Error", f"{key}: Must be a list", 409)
    return [str(v).strip() for v in raw if str(v).strip()]


def _dict(params: dict[str, Any], key: str) -> dict[str, Any]:
    raw = params.get(key)
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ActionError("Validation Error", f"{key}: Invalid JSON object", 409) from None
    if not isinstance(raw, dict):
        raise ActionError("Validation Error", f"{key}: Must be a dict", 409)
    return raw


def _bool(params: dict[str, Any], key: str, default: bool = False) -> bool:
    raw = params.get(key, default)
    return raw is True or str(raw).lower() in ("true", "1", "yes")


def status_show(params: dict[str, Any], base: str) -> Any:
    return {
        "site_title": "Madoguchi open data",
        "site_description": "KPI の集計表から自動で公開しているオープンデータです。",
        "site_url": base,
        "ckan_version": "2.10.0",
        "locale_default": "ja",
        "extensions": ["datastore", "dcat"],
    }


def package_list(params: dict[str, Any], base: str) -> Any:
    offset = _int(params, "offset", 0, maximum=10**9)
    limit = _int(params, "limit", 0, maximum=10**6) or None
    return selectors.dataset_names(offset=offset, limit=limit)


def _dataset(params: dict[str, Any], key: str = "id") -> Dataset:
    try:
        return selectors.dataset_get(name=str(params.get(key) or params.get("name_or_id") or ""))
    except Http404:
        raise _not_found("Dataset") from None


def package_show(params: dict[str, Any], base: str) -> Any:
    return selectors.package_dict(_dataset(params), base_url=base)


def resource_show(params: dict[str, Any], base: str) -> Any:
    try:
        dataset = selectors.dataset_by_resource(resource=str(params.get("id", "")))
    except Http404:
        raise _not_found("Resource") from None
    return selectors.resource_dict(dataset, base_url=base)


def package_search(params: dict[str, Any], base: str) -> Any:
    facet_fields = _list(params, "facet.field")
    try:
        found = selectors.dataset_search(
            q=str(params.get("q", "") or ""),
            fq=str(params.get("fq", "") or ""),
            sort=str(params.get("sort", "") or ""),
            rows=_int(params, "rows", 10),
            start=_int(params, "start", 0, maximum=10**9),
            facet_fields=facet_fields,
            facet_limit=int(params.get("facet.limit", 50) or 50),
        )
    except (selectors.SearchError, ValueError) as exc:
        raise ActionError("Validation Error", str(exc), 409) from None
    labels = _facet_labels(found.facets)
    return {
        "count": found.count,
        "sort": str(params.get("sort", "") or "score desc, metadata_modified desc"),
        "results": [selectors.package_dict(d, base_url=base, tags=found.tags[d.pk]) for d in found.datasets],
        "facets": found.facets,
        "search_facets": {
            name: {
                "title": name,
                "items": [
                    {"name": value, "display_name": labels.get((name, value), value), "count": n}
                    for value, n in counts.items()
                ],
            }
            for name, counts in found.facets.items()
        },
    }


def _facet_labels(facets: dict[str, dict[str, int]]) -> dict[tuple[str, str], str]:
    labels: dict[tuple[str, str], str] = {}
    if "organization" in facets:
        for organization, _n in selectors.publishing_organizations():
            labels[("organization", organization.slug)] = organization.name
    if "groups" in facets:
        for kind, _n in selectors.group_counts():
            labels[("groups", kind.key)] = kind.title
    return labels


def organization_list(params: dict[str, Any], base: str) -> Any:
    found = selectors.publishing_organizations()
    offset = _int(params, "offset", 0, maximum=10**9)
    limit = _int(params, "limit", 0, maximum=10**6) or None
    found = found[offset : None if limit is None else offset + limit]
    if _bool(params, "all_fields"):
        return [selectors.organization_dict(o, package_count=n) for o, n in found]
    return [o.slug for o, _n in found]


def organization_show(params: dict[str, Any], base: str) -> Any:
    wanted = str(params.get("id", ""))
    for organization, count in selectors.publishing_organizations():
        if organization.slug == wanted:
            found = selectors.organization_dict(organization, package_count=count)
            if _bool(params, "include_datasets"):
                result = selectors.dataset_search(
                    filters={"organization": wanted}, rows=1000, sort="name asc"
                )
                found["packages"] = [
                    selectors.package_dict(d, base_url=base, tags=result.tags[d.pk]) for d in result.datasets
                ]
            return found
    raise _not_found("Organization")


def group_list(params: dict[str, Any], base: str) -> Any:
    found = selectors.group_counts()
    if _bool(params, "all_fields"):
        return [selectors.group_dict(kind, package_count=n) for kind, n in found]
    return [kind.key for kind, _n in found]


def group_show(params: dict[str, Any], base: str) -> Any:
    wanted = str(params.get("id", ""))
    for kind, count in selectors.group_counts():
        if kind.key == wanted:
            return selectors.group_dict(kind, package_count=count)
    raise _not_found("Group")


DATASTORE_TYPES = {"integer": "int", "number": "numeric", "string": "text"}


def datastore_search(params: dict[str, Any], base: str) -> Any:
    resource = str(params.get("resource_id", "") or params.get("id", ""))
    try:
        dataset = selectors.dataset_by_resource(resource=resource)
    except Http404:
        raise _not_found("Resource") from None
    q = params.get("q", "")
    if isinstance(q, str) and q.lstrip().startswith("{"):
        q = _dict(params, "q")
    limit = _int(params, "limit", 100, maximum=32000)
    offset = _int(params, "offset", 0, maximum=10**9)
    try:
        chosen, records, total = selectors.table_search(
            dataset,
            filters=_dict(params, "filters"),
            q=q if isinstance(q, dict) else str(q or ""),
            fields=_list(params, "fields") or None,
            sort=str(params.get("sort", "") or ""),
            offset=offset,
            limit=limit,
        )
    except selectors.SearchError as exc:
        raise ActionError("Validation Error", str(exc), 409) from None
    types = {name: DATASTORE_TYPES.get(t, "text") for name, t in selectors.field_types(dataset).items()}
    path = f"/api/3/action/datastore_search?resource_id={resource}"
    result: dict[str, Any] = {
        "resource_id": resource,
        "fields": [
            {"id": name, "type": "int" if name == "_id" else types.get(name, "text")} for name in chosen
        ],
        "records": records,
        "limit": limit,
        "offset": offset,
        "_links": {"start": path, "next": f"{path}&offset={offset + limit}"},
    }
    if _bool(params, "include_total", True):
        result["total"] = total
    return result


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
        group_show,
        datastore_search,
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
