"""A Frictionless Data Package descriptor (``datapackage.json``) per published dataset.

The resource is the dataset's CSV (UTF-8 with BOM, one header row) with its Table Schema: each
column's type and description from ``kinds.Kind.fields``, months constrained to ``YYYY-MM`` (or
年度計), and ``x`` (a suppressed cell) and the empty string as missing values. The suite checks
every published dataset with frictionless (``opendata/tests/test_datapackage.py``).
"""

from __future__ import annotations

from typing import Any

from madoguchi.opendata import selectors
from madoguchi.opendata.models import Dataset

MISSING_VALUES = ["", "x"]


def table_schema(dataset: Dataset) -> dict[str, Any]:
    kind = selectors.kind_of(dataset)
    if kind is None and dataset.schema:
        return dataset.schema  # a staff dataset: the schema frictionless inferred at version 1
    fields = []
    for f in kind.fields if kind else ():
        described: dict[str, Any] = {"name": f.name, "type": f.type, "description": f.description}
        if f.pattern:
            described["constraints"] = {"pattern": f.pattern}
        fields.append(described)
    return {"fields": fields, "missingValues": MISSING_VALUES}


def datapackage(dataset: Dataset, *, base_url: str) -> dict[str, Any]:
    title, url = selectors.LICENSES.get(dataset.license_id, (dataset.license_id, ""))
    resource = selectors.resource_dict(dataset, base_url=base_url)
    return {
        "profile": "tabular-data-package",
        "name": dataset.name,
        "id": f"{base_url}/opendata/{dataset.name}/",
        "title": dataset.title,
        "description": dataset.notes,
        "homepage": f"{base_url}/opendata/{dataset.name}/",
        "created": resource["created"] + "Z",
        "keywords": [t.name for t in dataset.tags.order_by("name")],
        "licenses": [{"name": dataset.license_id.upper(), "title": title, "path": url}],
        "contributors": [{"title": dataset.organization.name, "role": "publisher"}],
        "resources": [
            {
                "name": resource["id"],
                "title": resource["name"],
                "path": resource["url"],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": {"header": True, "delimiter": ","},
                "schema": table_schema(dataset),
            }
        ],
    }
