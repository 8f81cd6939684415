"""Datasets published automatically from the KPI aggregates (insights), small counts suppressed.

One dataset per organization with figures: 「月別・手続別の申請件数」 (applications per procedure
and month of the current fiscal year). Its CSV is built from ``insights.MonthlyFigure`` with
cells under ``OPENDATA_MIN_CELL`` (default 10) and the cells that would reveal them hidden
(``suppression.suppress``). Names and ids follow CKAN's package dictionaries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

from madoguchi.accounts.models import Organization
from madoguchi.insights.constants import Metric
from madoguchi.insights.models import MonthlyFigure, MonthRefresh
from madoguchi.insights.selectors import fiscal_months, fiscal_year_of
from madoguchi.opendata.suppression import HIDDEN, suppress
from madoguchi.procedures.models import Procedure

APPLICATION_METRICS = (Metric.APPS_ONLINE, Metric.APPS_COUNTER, Metric.APPS_BULK)
LICENSE = {"license_id": "cc-by-4.0", "license_title": "Creative Commons Attribution 4.0"}


def min_cell() -> int:
    return int(getattr(settings, "OPENDATA_MIN_CELL", 10))


def organization_dict(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.slug,
        "name": organization.slug,
        "title": organization.name,
        "display_name": organization.name,
        "type": "organization",
        "state": "active",
        "is_organization": True,
        "description": "",
    }


def published_organizations() -> list[Organization]:
    ids = MonthlyFigure.objects.values_list("organization_id", flat=True).distinct()
    return list(Organization.objects.filter(pk__in=ids).order_by("slug"))


def _modified(organization: Organization) -> dt.datetime:
    value = MonthRefresh.objects.filter(organization=organization).aggregate(t=Max("refreshed_at"))["t"]
    return value or organization.updated_at


def dataset_name(organization: Organization) -> str:
    return f"{organization.slug}-applications-monthly"


def package_dict(organization: Organization, *, base_url: str = "") -> dict[str, Any]:
    name = dataset_name(organization)
    modified = timezone.localtime(_modified(organization)).replace(tzinfo=None).isoformat()
    resource = {
        "id": f"{name}-csv",
        "package_id": name,
        "name": "月別・手続別の申請件数（CSV）",
        "format": "CSV",
        "mimetype": "text/csv",
        "url": f"{base_url}/opendata/{name}/{name}-csv.csv",
        "datastore_active": False,
        "last_modified": modified,
        "position": 0,
    }
    return {
        "id": name,
        "name": name,
        "title": f"{organization.name} 月別・手続別の申請件数",
        "notes": (
            "手続ごと・月ごとの申請件数（オンライン・窓口・一括提出の合計）です。"
            f"{min_cell()} 件未満のセルと、合計から逆算できるセルは「x」（秘匿）にしています。"
        ),
        "type": "dataset",
        "state": "active",
        "private": False,
        "metadata_created": modified,
        "metadata_modified": modified,
        "organization": organization_dict(organization),
        "owner_org": organization.slug,
        "tags": [{"name": "申請件数", "display_name": "申請件数"}, {"name": "KPI", "display_name": "KPI"}],
        "groups": [],
        "resources": [resource],
        "num_resources": 1,
        "num_tags": 2,
        **LICENSE,
    }


def organization_by_dataset(name: str) -> Organization | None:
    for organization in published_organizations():
        if dataset_name(organization) == name:
            return organization
    return None


def applications_table(organization: Organization, *, today: dt.date | None = None) -> list[list[Any]]:
    """Header + one row per procedure + a total row; suppressed cells are "x"."""
    months = fiscal_months(fiscal_year_of(today or timezone.localdate()))
    counts: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        MonthlyFigure.objects.filter(
            organization=organization,
            month__in=months,
            metric__in=APPLICATION_METRICS,
            procedure__isnull=False,
        )
        .values("procedure_id", "month")
        .annotate(n=Sum("value"))
    ):
        counts[row["procedure_id"]][row["month"]] += row["n"] or 0
    procedures = Procedure.objects.in_bulk(list(counts))
    ordered = sorted(counts, key=lambda pk: procedures[pk].title)
    matrix = [[counts[pk][m] for m in months] for pk in ordered]
    # a procedure's yearly total is a cell too (a small total is as revealing as a small month)
    shown = suppress([[*r, sum(r)] for r in matrix], threshold=min_cell()) if matrix else []
    header = ["手続", *[m.strftime("%Y-%m") for m in months], "合計"]
    rows: list[list[Any]] = [header]
    for pk, out in zip(ordered, shown, strict=True):
        rows.append([procedures[pk].title, *["x" if v is HIDDEN else v for v in out]])
    totals = [sum(col) for col in zip(*matrix, strict=True)] if matrix else [0] * len(months)
    rows.append(["合計", *totals, sum(totals)])
    return rows
