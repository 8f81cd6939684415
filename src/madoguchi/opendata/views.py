from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse

from madoguchi.opendata import catalog


def resource_csv(request: HttpRequest, name: str, resource: str) -> HttpResponse:
    """A published resource as CSV (UTF-8 with BOM, one header row), small counts suppressed."""
    organization = catalog.organization_by_dataset(name)
    if organization is None or resource != f"{name}-csv":
        raise Http404
    out = io.StringIO()
    csv.writer(out).writerows(catalog.applications_table(organization))
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{resource}.csv"'
    return response
