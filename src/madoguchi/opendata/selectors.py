"""Reads of the published catalog: CKAN-shaped dictionaries, search with facets, table rows.

Everything reads the stored ``Dataset`` snapshots (one indexed query per search, whatever the
number of datasets), never the aggregates behind them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from madoguchi.accounts.models import Organization
from madoguchi.opendata.kinds import KINDS, Kind
from madoguchi.opendata.models import Dataset, DatasetTag, DatasetVersion, Source

LICENSES = {
    "cc-by-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "gov-std-2.0": (
        "政府標準利用規約（第2.0版）（CC BY 4.0 互換）",
        "https://www.digital.go.jp/resources/open_data/",
    ),
}
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id")
LIST_FIELDS = ("id", "name", "organization", "kind", "fiscal_year", "title", "notes", "license_id")


class SearchError(ValueError):
    """A parameter that cannot be understood (CKAN answers a Validation Error)."""


def _iso(value: dt.datetime) -> str:
    return timezone.localtime(value, dt.UTC).replace(tzinfo=None).isoformat()


def kind_of(dataset: Dataset) -> Kind | None:
    return KINDS.get(dataset.kind)


def field_types(dataset: Dataset) -> dict[str, str]:
    """Column name → Table Schema type: the kind's fields, or a staff dataset's stored schema."""
    kind = kind_of(dataset)
    if kind is not None:
        return {f.name: f.type for f in kind.fields}
    return {f["name"]: f.get("type", "string") for f in (dataset.schema or {}).get("fields", [])}


def resource_id(dataset: Dataset) -> str:
    return f"{dataset.name}-csv"


def organization_dict(organization: Organization, *, package_count: int | None = None) -> dict[str, Any]:
    found = {
        "id": organization.slug,
        "name": organization.slug,
        "title": organization.name,
        "display_name": organization.name,
        "type": "organization",
        "state": "active",
        "approval_status": "approved",
        "is_organization": True,
        "description": "",
        "image_url": "",
        "created": _iso(organization.created_at),
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def group_dict(kind: Kind, *, package_count: int | None = None) -> dict[str, Any]:
    found = {
        "id": kind.key,
        "name": kind.key,
        "title": kind.title,
        "display_name": kind.title,
        "description": kind.description,
        "type": "group",
        "state": "active",
        "approval_status": "approved",
        "is_organization": False,
        "image_url": "",
    }
    if package_count is not None:
        found["package_count"] = package_count
    return found


def resource_dict(dataset: Dataset, *, base_url: str) -> dict[str, Any]:
    return {
        "id": resource_id(dataset),
        "package_id": dataset.name,
        "name": f"{dataset.title}（CSV）",
        "description": "UTF-8（BOM 付き）、見出し 1 行。"
        + ("秘匿したセルは x。" if dataset.source == Source.AUTO else f"第 {dataset.version} 版。"),
        "format": dataset.res_format,
        "mimetype": "text/csv",
        "url": f"{base_url}/opendata/{dataset.name}/{resource_id(dataset)}.csv",
        "datastore_active": True,
        "last_modified": _iso(dataset.metadata_modified),
        "created": _iso(dataset.metadata_created),
        "position": 0,
        "state": "active",
    }


def package_dict(dataset: Dataset, *, base_url: str, tags: list[str] | None = None) -> dict[str, Any]:
    tag_names = tags if tags is not None else sorted(t.name for t in dataset.tags.all())
    kind = kind_of(dataset)
    title, url = LICENSES.get(dataset.license_id, (dataset.license_id, ""))
    return {
        "id": dataset.name,
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "type": "dataset",
        "state": "active",
        "private": False,
        "url": f"{base_url}/opendata/{dataset.name}/",
        "metadata_created": _iso(dataset.metadata_created),
        "metadata_modified": _iso(dataset.metadata_modified),
        "organization": organization_dict(dataset.organization),
        "owner_org": dataset.organization.slug,
        "tags": [{"name": t, "display_name": t, "state": "active"} for t in tag_names],
        "num_tags": len(tag_names),
        "groups": [group_dict(kind)] if kind else [],
        "resources": [resource_dict(dataset, base_url=base_url)],
        "num_resources": 1,
        "license_id": dataset.license_id,
        "license_title": title,
        "license_url": url,
        "version": str(dataset.version),
        "extras": [{"key": "fiscal_year", "value": str(dataset.fiscal_year)}] if dataset.fiscal_year else [],
    }


# ---------------------------------------------------------------------------- look-ups


def published() -> QuerySet[Dataset]:
    return Dataset.objects.select_related("organization")


def dataset_get(*, name: str) -> Dataset:
    dataset = published().filter(name=name).first()
    if dataset is None:
        raise Http404
    return dataset


def withdrawn_dataset(*, name: str) -> Dataset | None:
    """A dataset staff withdrew from the catalog (its public page answers 410 with the reason)."""
    return Dataset.all_objects.filter(name=name, withdrawn_at__isnull=False).first()


def dataset_by_resource(*, resource: str) -> Dataset:
    if not resource.endswith("-csv"):
        raise Http404
    return dataset_get(name=resource.removesuffix("-csv"))


def dataset_names(*, offset: int = 0, limit: int | None = None) -> list[str]:
    names = Dataset.objects.order_by("name").values_list("name", flat=True)
    return list(names[offset : None if limit is None else offset + limit])


def publishing_organizations() -> list[tuple[Organization, int]]:
    counts = dict(Dataset.objects.values_list("organization_id").annotate(n=Count("pk")))
    return [(o, counts[o.pk]) for o in Organization.objects.filter(pk__in=counts).order_by("slug")]


def group_counts() -> list[tuple[Kind, int]]:
    counts = dict(Dataset.objects.values_list("kind").annotate(n=Count("pk")))
    return [(kind, counts[key]) for key, kind in KINDS.items() if key in counts]


def tags_of(datasets: list[Dataset]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {d.pk: [] for d in datasets}
    for dataset_id, name in (
        DatasetTag.objects.filter(dataset__in=datasets).order_by("name").values_list("dataset_id", "name")
    ):
        found[dataset_id].append(name)
    return found


# ---------------------------------------------------------------------------- search

_CLAUSE = re.compile(r'([+-]?)([\w.]+):("[^"]*"|\[[^\]]*\]|\S+)')
_RANGE = re.compile(r"\[\s*(\S+)\s+TO\s+(\S+)\s*\]", re.IGNORECASE)
SORTS = {
    "name": "name",
    "title": "title",
    "title_string": "title",
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
}


@dataclass
class SearchResult:
    count: int
    datasets: list[Dataset]
    tags: dict[int, list[str]]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def _when(value: str) -> dt.datetime | None:
    if value == "*":
        return None
    if value.upper().startswith("NOW"):
        return timezone.now()
    parsed = parse_datetime(value.rstrip("Z") + ("+00:00" if value.endswith("Z") else ""))
    if parsed is None:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value[:10]), dt.time())
        except ValueError:
            raise SearchError(f"Invalid date: {value}") from None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def _filter(qs: QuerySet[Dataset], field_name: str, value: str) -> QuerySet[Dataset]:
    value = value.strip('"')
    if field_name in ("organization", "owner_org"):
        return qs.filter(organization__slug=value)
    if field_name in ("tags", "tags_string"):
        return qs.filter(tags__name=value)
    if field_name in ("groups",):
        return qs.filter(kind=value)
    if field_name == "res_format":
        return qs.filter(res_format__iexact=value)
    if field_name == "license_id":
        return qs.filter(license_id=value)
    if field_name in ("name", "id"):
        return qs.filter(name=value)
    if field_name in ("metadata_modified", "metadata_created"):
        match = _RANGE.fullmatch(value)
        if not match:
            raise SearchError(f"{field_name}: expected [FROM TO TO]")
        low, high = _when(match.group(1)), _when(match.group(2))
        if low is not None:
            qs = qs.filter(**{f"{field_name}__gte": low})
        if high is not None:
            qs = qs.filter(**{f"{field_name}__lte": high})
        return qs
    if field_name in ("dataset_type", "type"):
        return qs if value == "dataset" else qs.none()
    if field_name in ("state", "capacity"):
        return qs if value in ("active", "public") else qs.none()
    raise SearchError(f"Field not searchable: {field_name}")


def dataset_search(
    *,
    q: str = "",
    fq: str = "",
    filters: dict[str, str] | None = None,
    sort: str = "",
    rows: int = 10,
    start: int = 0,
    facet_fields: list[str] | None = None,
    facet_limit: int = 50,
) -> SearchResult:
    """CKAN's package_search over the stored datasets (q: every word in title, notes or name)."""
    qs = Dataset.objects.all()
    q = (q or "").strip()
    if q and q not in ("*:*", "*"):
        for term in q.split():
            field_name, sep, value = term.partition(":")
            if sep and field_name in ("name", "organization", "tags", "res_format", "groups"):
                qs = _filter(qs, field_name, value)
                continue
            qs = qs.filter(Q(title__icontains=term) | Q(notes__icontains=term) | Q(name__icontains=term))
    for sign, field_name, value in _CLAUSE.findall(fq or ""):
        matching = _filter(Dataset.objects.all(), field_name, value)
        qs = qs.exclude(pk__in=matching.values("pk")) if sign == "-" else _filter(qs, field_name, value)
    for field_name, value in (filters or {}).items():
        if value:
            qs = _filter(qs, field_name, value)
    qs = qs.distinct() if "tags" in (fq + q) or (filters or {}).get("tags") else qs
    order = []
    for part in (sort or "metadata_modified desc").split(","):
        words = part.split()
        if not words or words[0] == "score":
            continue
        if words[0] not in SORTS:
            raise SearchError(f"Cannot sort by: {words[0]}")
        descending = len(words) > 1 and words[1].lower() == "desc"
        order.append(("-" if descending else "") + SORTS[words[0]])
    order.append("name")  # a stable order, so paging with start/rows never skips or repeats
    facets: dict[str, dict[str, int]] = {}
    for facet in facet_fields or []:
        if facet not in FACET_FIELDS:
            raise SearchError(f"Cannot facet on: {facet}")
        facets[facet] = _facet(qs, facet, facet_limit)
    count = qs.count()
    datasets = list(qs.select_related("organization").defer("rows").order_by(*order)[start : start + rows])
    return SearchResult(count=count, datasets=datasets, tags=tags_of(datasets), facets=facets)


def _facet(qs: QuerySet[Dataset], facet: str, limit: int) -> dict[str, int]:
    ids = qs.values("pk")
    pairs: Any
    if facet == "tags":
        pairs = DatasetTag.objects.filter(dataset__in=ids).values_list("name").annotate(n=Count("pk"))
    else:
        column = {"organization": "organization__slug", "groups": "kind"}.get(facet, facet)
        pairs = Dataset.objects.filter(pk__in=ids).values_list(column).annotate(n=Count("pk"))
    counted: Counter[str] = Counter({value: n for value, n in pairs if value})  # staff datasets: no group
    return dict(counted.most_common(limit if limit >= 0 else None))


# ---------------------------------------------------------------------------- table rows


def table_of(dataset: Dataset) -> tuple[list[str], list[list[Any]]]:
    rows = dataset.rows or [[]]
    return list(rows[0]), [list(r) for r in rows[1:]]


def table_search(
    dataset: Dataset,
    *,
    filters: dict[str, Any] | None = None,
    q: str | dict[str, str] = "",
    fields: list[str] | None = None,
    sort: str = "",
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[str], list[dict[str, Any]], int]:
    """CKAN's datastore_search over one dataset's rows: (fields, records with ``_id``, total)."""
    header, body = table_of(dataset)
    records = [{"_id": n, **dict(zip(header, row, strict=False))} for n, row in enumerate(body, start=1)]
    for key, wanted in (filters or {}).items():
        if key not in header and key != "_id":
            raise SearchError(f"filters: field {key!r} not in table")
        allowed = {str(v) for v in (wanted if isinstance(wanted, list) else [wanted])}
        records = [r for r in records if str(r[key]) in allowed]
    if isinstance(q, dict):
        for key, text in q.items():
            if key not in header:
                raise SearchError(f"q: field {key!r} not in table")
            records = [r for r in records if str(text) in str(r[key] if r[key] is not None else "")]
    elif q:
        for term in str(q).split():
            records = [r for r in records if any(term in str(v) for k, v in r.items() if k != "_id")]
    if sort:
        for part in reversed(sort.split(",")):
            words = part.split()
            if not words or (words[0] not in header and words[0] != "_id"):
                raise SearchError(f"sort: field {part.strip()!r} not in table")
            descending = len(words) > 1 and words[1].lower() == "desc"
            key_name = words[0]

            def sort_key(record: dict[str, Any], key_name: str = key_name) -> tuple[bool, Any]:
                return (record[key_name] is None, record[key_name] if record[key_name] is not None else 0)

            records.sort(key=sort_key, reverse=descending)
    chosen = ["_id", *header] if not fields else fields
    for name in chosen:
        if name not in header and name != "_id":
            raise SearchError(f"fields: field {name!r} not in table")
    total = len(records)
    page = [{k: r[k] for k in chosen} for r in records[offset : offset + limit]]
    return chosen, page, total


# ---------------------------------------------------------------------------- staff-published datasets


def staff_organizations(*, scope: Any) -> list[Organization]:
    """The organizations a staff member may publish for (``insights.InsightsScope``)."""
    return list(Organization.objects.filter(pk__in=scope.organizations.keys()).order_by("pk"))


def staff_datasets(*, scope: Any, organization: Organization) -> QuerySet[Dataset]:
    qs = Dataset.all_objects.filter(organization=organization, source=Source.STAFF).select_related(
        "department"
    )
    allowed = scope.departments(organization.pk)
    if allowed is not None:
        qs = qs.filter(department_id__in=allowed)
    return qs.defer("rows").order_by("-metadata_modified")


def access_staff_dataset(*, scope: Any, name: str) -> Dataset:
    """A staff dataset the staff member may change; anyone else's answers 404."""
    dataset = (
        Dataset.all_objects.filter(name=name, source=Source.STAFF).select_related("organization").first()
    )
    if dataset is None or dataset.organization_id not in scope.organizations:
        raise Http404
    allowed = scope.departments(dataset.organization_id)
    if allowed is not None and dataset.department_id not in allowed:
        raise Http404
    return dataset


def dataset_versions(dataset: Dataset) -> list[DatasetVersion]:
    return list(dataset.versions.defer("rows").select_related("created_by").order_by("-number"))


def dataset_version(dataset: Dataset, number: int) -> DatasetVersion:
    version = dataset.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return version
