"""Public pages and files of the open-data catalog (no sign-in, no JavaScript)."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from madoguchi.core.downloads import file_download
from madoguchi.opendata import datapackage as datapackages
from madoguchi.opendata import dcat, selectors
from madoguchi.opendata.kinds import KINDS
from madoguchi.opendata.models import Source

PAGE_SIZE = 20
PREVIEW_ROWS = 30
FILTERS = ("organization", "groups", "tags", "res_format")


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def catalog(request: HttpRequest) -> HttpResponse:
    """Search and filters (organization, theme, tag, format), each filter with its count."""
    q = request.GET.get("q", "").strip()[:200]
    filters = {name: request.GET.get(name, "").strip()[:100] for name in FILTERS}
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    try:
        found = selectors.dataset_search(
            q=q,
            filters=filters,
            sort="title asc" if q else "metadata_modified desc",
            rows=PAGE_SIZE,
            start=(page_number - 1) * PAGE_SIZE,
            facet_fields=list(FILTERS),
            facet_limit=20,
        )
    except selectors.SearchError:
        raise Http404 from None
    labels = {("organization", o.slug): o.name for o, _n in selectors.publishing_organizations()}
    labels |= {("groups", key): kind.title for key, kind in KINDS.items()}
    active = {k: v for k, v in filters.items() if v}

    def link(**changes: str) -> str:
        params = {"q": q, **active, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    facets = [
        (
            name,
            [
                (labels.get((name, value), value), n, link(**{name: value}), active.get(name) == value)
                for value, n in counts.items()
            ],
        )
        for name, counts in found.facets.items()
    ]
    pages = Paginator(range(found.count), PAGE_SIZE).get_page(page_number)
    return render(
        request,
        "opendata/catalog.html",
        {
            "q": q,
            "found": found,
            "results": [(d, found.tags[d.pk]) for d in found.datasets],
            "facets": facets,
            "active": [(name, labels.get((name, v), v), link(**{name: ""})) for name, v in active.items()],
            "page": pages,
            "previous_link": link(page=str(pages.previous_page_number())) if pages.has_previous() else "",
            "next_link": link(page=str(pages.next_page_number())) if pages.has_next() else "",
            "hidden_filters": active,
        },
    )


def dataset(request: HttpRequest, name: str) -> HttpResponse:
    """A dataset: description, licence, downloads, the API and a preview of its table. One staff
    withdrew answers 410 with their reason (a link to it may be in someone's report)."""
    try:
        found = selectors.dataset_get(name=name)
    except Http404:
        gone = selectors.withdrawn_dataset(name=name)
        if gone is None:
            raise
        return render(request, "opendata/dataset_withdrawn.html", {"dataset": gone}, status=410)
    header, body = selectors.table_of(found)
    kind = selectors.kind_of(found)
    integers = {f.name for f in kind.fields if f.type == "integer"} if kind else set()
    versions = selectors.dataset_versions(found) if found.source == Source.STAFF else []
    preview = [
        [(_("秘匿") if h in integers else "") if v is None else v for h, v in zip(header, row, strict=False)]
        for row in body[:PREVIEW_ROWS]
    ]
    base = _base(request)
    return render(
        request,
        "opendata/dataset.html",
        {
            "dataset": found,
            "package": selectors.package_dict(found, base_url=base),
            "header": header,
            "preview": preview,
            "row_count": len(body),
            "licence": selectors.LICENSES.get(found.license_id, (found.license_id, "")),
            "api_url": f"/api/3/action/datastore_search?resource_id={selectors.resource_id(found)}&limit=100",
            "versions": versions,
        },
    )


def csv_bytes(header: list[str], body: list[list], integer_fields: set[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in body:
        writer.writerow(
            ("x" if name in integer_fields else "") if value is None else value
            for name, value in zip(header, row, strict=False)
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def resource_csv(request: HttpRequest, name: str, resource: str) -> HttpResponse:
    """A published resource as CSV (UTF-8 with BOM, one header row); suppressed cells are x."""
    found = selectors.dataset_by_resource(resource=resource)
    if found.name != name:
        raise Http404
    header, body = selectors.table_of(found)
    kind = selectors.kind_of(found)
    integers = {f.name for f in kind.fields if f.type == "integer"} if kind else set()
    return file_download(
        io.BytesIO(csv_bytes(header, body, integers)),
        original_name=f"{resource}.csv",
        content_type="text/csv",
    )


def version_csv(request: HttpRequest, name: str, number: int) -> HttpResponse:
    """One version of a staff dataset as CSV (UTF-8 with BOM): every version stays downloadable."""
    found = selectors.dataset_get(name=name)
    version = selectors.dataset_version(found, number)
    rows = version.rows or [[]]
    return file_download(
        io.BytesIO(csv_bytes(list(rows[0]), [list(r) for r in rows[1:]], set())),
        original_name=f"{found.name}-v{number}.csv",
        content_type="text/csv",
    )


def package_json(request: HttpRequest, name: str) -> HttpResponse:
    """The Frictionless ``datapackage.json`` of a dataset."""
    descriptor = datapackages.datapackage(selectors.dataset_get(name=name), base_url=_base(request))
    return HttpResponse(
        json.dumps(descriptor, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )


def catalog_rdf(request: HttpRequest, fmt: str) -> HttpResponse:
    """DCAT of the catalog (``/catalog.ttl``, ``/catalog.jsonld``), paged with ``?page=N``."""
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    body, content_type = dcat.serialize(dcat.catalog_graph(base_url=_base(request), page=page), fmt)
    return HttpResponse(body, content_type=content_type)


def dataset_rdf(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """DCAT of one dataset (``/dataset/<name>.ttl``, ``.jsonld``)."""
    found = selectors.dataset_get(name=name)
    body, content_type = dcat.serialize(dcat.dataset_graph(found, base_url=_base(request)), fmt)
    return HttpResponse(body, content_type=content_type)
