"""Publishing: rebuild the automatic datasets from the aggregates (beat ``opendata.publish``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import Organization
from madoguchi.insights.models import MonthlyFigure
from madoguchi.insights.selectors import fiscal_months, fiscal_year_of
from madoguchi.opendata.kinds import KINDS, Kind, min_cell
from madoguchi.opendata.models import Dataset, DatasetTag


def dataset_name(organization: Organization, kind: Kind, fiscal_year: int) -> str:
    return f"{organization.slug}-{kind.key}-fy{fiscal_year}"


def _fiscal_years(organization: Organization, today: dt.date) -> list[int]:
    months = MonthlyFigure.objects.filter(organization=organization).dates("month", "month")
    current = fiscal_year_of(today)
    return sorted({fiscal_year_of(m) for m in months if fiscal_year_of(m) <= current})


def dataset_publish(*, organization: Organization, kind: Kind, fiscal_year: int) -> Dataset | None:
    """Build one dataset; store it when its rows changed. None when there is nothing to publish."""
    months = fiscal_months(fiscal_year)
    if not MonthlyFigure.objects.filter(
        organization=organization, month__in=months, metric__in=kind.metrics, value__gt=0
    ).exists():
        return None
    rows = [[f.name for f in kind.fields], *kind.build(organization, fiscal_year, min_cell())]
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False, default=str).encode()).hexdigest()
    name = dataset_name(organization, kind, fiscal_year)
    now = timezone.now()
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().filter(name=name).first()
        if dataset is not None and dataset.content_hash == digest:
            return dataset
        if dataset is None:
            dataset = Dataset(name=name, metadata_created=now)
        dataset.organization = organization
        dataset.kind = kind.key
        dataset.fiscal_year = fiscal_year
        dataset.title = f"{organization.name} {kind.title}（{fiscal_year}年度）"
        dataset.notes = (
            f"{kind.description}{fiscal_year}年度（{fiscal_year}年4月〜{fiscal_year + 1}年3月）。"
            f"{min_cell()} 件未満のセルと、合計から逆算できるセルは「x」（秘匿）にしています。"
            "KPI の集計表から自動で公開しています。"
        )
        dataset.rows = rows
        dataset.row_count = len(rows) - 1
        dataset.content_hash = digest
        dataset.metadata_modified = now
        dataset.save()
        DatasetTag.objects.filter(dataset=dataset).exclude(name__in=kind.tags).delete()
        for tag in kind.tags:
            DatasetTag.objects.get_or_create(dataset=dataset, name=tag)
    return dataset


def datasets_publish(*, today: dt.date | None = None) -> int:
    """Every kind for every organization and fiscal year with figures; returns datasets stored."""
    today = today or timezone.localdate()
    published = 0
    organization_ids = MonthlyFigure.objects.values_list("organization_id", flat=True).distinct()
    for organization in Organization.objects.filter(pk__in=organization_ids).order_by("slug"):
        for fiscal_year in _fiscal_years(organization, today):
            for kind in KINDS.values():
                if dataset_publish(organization=organization, kind=kind, fiscal_year=fiscal_year):
                    published += 1
    return published
