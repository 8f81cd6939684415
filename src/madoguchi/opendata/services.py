"""Publishing: rebuild the automatic datasets from the aggregates (beat ``opendata.publish``), and
the datasets staff upload (checked by ``validation.table_check``, one ``DatasetVersion`` each)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.insights.models import MonthlyFigure
from madoguchi.insights.selectors import InsightsScope, fiscal_months, fiscal_year_of
from madoguchi.opendata.kinds import KINDS, Kind, min_cell
from madoguchi.opendata.models import Dataset, DatasetTag, DatasetVersion, Source, UploadHold
from madoguchi.opendata.validation import CheckedTable, table_check


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
        if dataset is not None and (dataset.content_hash == digest or dataset.source != Source.AUTO):
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


# ---------------------------------------------------------------------------- staff-published datasets

NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{1,60}")
AUTO_NAME_RE = re.compile(r".*-(" + "|".join(re.escape(k) for k in KINDS) + r")-fy\d{4}")
STAFF_LICENSES = ("gov-std-2.0", "cc-by-4.0")
HOLD_HOURS = 24


@dataclass
class DatasetInput:
    """The description of a staff dataset, checked (``staff_dataset_fields``)."""

    title: str
    notes: str
    license_id: str
    tags: list[str]
    fiscal_year: int | None
    department: Department | None
    name: str = ""  # the part after "<organization>-"; empty: chosen for you


def staff_dataset_fields(
    *, scope: InsightsScope, organization: Organization, data: dict[str, Any], new: bool
) -> DatasetInput:
    """Shape and check the description typed on the form; raises FieldErrors."""
    errors: dict[str, list[str]] = {}
    title = unicodedata.normalize("NFKC", str(data.get("title") or "")).strip()
    if not title:
        errors["title"] = [_("データの名前を入力してください。")]
    elif len(title) > 200:
        errors["title"] = [_("200 文字以内で入力してください。")]
    notes = str(data.get("notes") or "").strip()
    if not notes:
        errors["notes"] = [_("データの説明（内容、集計の方法、出典、単位、注記）を入力してください。")]
    license_id = str(data.get("license_id") or "")
    if license_id not in STAFF_LICENSES:
        errors["license_id"] = [_("利用規約を選んでください。")]
    tags = []
    for raw in re.split(r"[,、，]", unicodedata.normalize("NFKC", str(data.get("tags") or ""))):
        tag = raw.strip()
        if tag and tag not in tags:
            tags.append(tag[:100])
    fiscal_year = None
    year_text = unicodedata.normalize("NFKC", str(data.get("fiscal_year") or "")).strip()
    if year_text:
        if not year_text.isdigit() or not 1900 <= int(year_text) <= 2100:
            errors["fiscal_year"] = [_("西暦の年度を 4 桁の数字で入力してください（例: 2026）。")]
        else:
            fiscal_year = int(year_text)
    department = None
    allowed = scope.departments(organization.pk)
    slug = str(data.get("department") or "")
    if slug:
        department = Department.objects.filter(organization=organization, slug=slug).first()
        if department is None or (allowed is not None and department.pk not in allowed):
            errors["department"] = [_("あなたの部署を選んでください。")]
    elif allowed is not None:
        errors["department"] = [_("公開する部署を選んでください。")]
    name = ""
    if new:
        name = unicodedata.normalize("NFKC", str(data.get("name") or "")).strip().lower()
        if name and not NAME_RE.fullmatch(name):
            errors["name"] = [
                _("半角の英小文字・数字・ハイフンで 2〜61 文字にしてください（例: shelters）。")
            ]
        elif name and (
            AUTO_NAME_RE.fullmatch(f"{organization.slug}-{name}")
            or Dataset.all_objects.filter(name=f"{organization.slug}-{name}").exists()
        ):
            errors["name"] = [_("この URL 名はもう使われています。別の名前にしてください。")]
    if errors:
        raise FieldErrors(errors)
    return DatasetInput(
        title=title,
        notes=notes,
        license_id=license_id,
        tags=tags,
        fiscal_year=fiscal_year,
        department=department,
        name=name,
    )


def _checked_file(content: bytes | None, file_name: str, schema: dict[str, Any] | None) -> CheckedTable:
    if not content:
        raise FieldErrors({"file": [_("CSV か Excel（.xlsx）のファイルを選んでください。")]})
    table = table_check(content, file_name=file_name, schema=schema)
    if table.problems:
        raise FieldErrors({"file": table.messages})
    return table


def _new_name(organization: Organization) -> str:
    n = Dataset.all_objects.filter(organization=organization, source=Source.STAFF).count() + 1
    while Dataset.all_objects.filter(name=f"{organization.slug}-data{n}").exists():
        n += 1
    return f"{organization.slug}-data{n}"


def _store_version(
    *, actor: User, dataset: Dataset, table: CheckedTable, content: bytes, file_name: str, note: str
) -> DatasetVersion:
    rows = [table.header, *table.rows]
    now = timezone.now()
    number = (dataset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DatasetVersion.objects.create(
        dataset=dataset,
        number=number,
        rows=rows,
        schema=table.schema,
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(content).hexdigest(),
        encoding=table.encoding,
        note=note[:500],
        created_by=actor,
        created_at=now,
    )
    dataset.rows = rows
    dataset.row_count = len(table.rows)
    dataset.schema = table.schema
    dataset.version = number
    dataset.content_hash = hashlib.sha256(
        json.dumps(rows, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    dataset.metadata_modified = now
    return version


def _set_tags(dataset: Dataset, tags: list[str]) -> None:
    DatasetTag.objects.filter(dataset=dataset).exclude(name__in=tags).delete()
    for tag in tags:
        DatasetTag.objects.get_or_create(dataset=dataset, name=tag)


def staff_dataset_create(
    *,
    actor: User,
    scope: InsightsScope,
    organization: Organization,
    data: dict[str, Any],
    content: bytes | None,
    file_name: str,
) -> Dataset:
    """Publish a table staff uploaded as a new dataset (version 1). The description and the file
    are both checked, so one refusal lists every problem (FieldErrors)."""
    errors: dict[str, list[str]] = {}
    fields = None
    try:
        fields = staff_dataset_fields(scope=scope, organization=organization, data=data, new=True)
    except FieldErrors as exc:
        errors.update(exc.as_dict())
    table = None
    try:
        table = _checked_file(content, file_name, None)
    except FieldErrors as exc:
        errors.update(exc.as_dict())
    if errors or fields is None or table is None or content is None:
        raise FieldErrors(errors)
    with transaction.atomic():
        now = timezone.now()
        dataset = Dataset(
            name=f"{organization.slug}-{fields.name}" if fields.name else _new_name(organization),
            organization=organization,
            kind="",
            source=Source.STAFF,
            metadata_created=now,
            metadata_modified=now,
        )
        _describe(dataset, fields)
        dataset.save()
        version = _store_version(
            actor=actor, dataset=dataset, table=table, content=content, file_name=file_name, note=""
        )
        dataset.save()
        _set_tags(dataset, fields.tags)
        audit_record(
            actor=actor,
            action="opendata.dataset_published",
            target=dataset,
            after={
                "name": dataset.name,
                "version": 1,
                "rows": dataset.row_count,
                "file_sha256": version.file_sha256,
            },
        )
    return dataset


def _describe(dataset: Dataset, fields: DatasetInput) -> None:
    dataset.title = fields.title
    dataset.notes = fields.notes
    dataset.license_id = fields.license_id
    dataset.fiscal_year = fields.fiscal_year
    dataset.department = fields.department


def staff_dataset_describe(*, actor: User, dataset: Dataset, fields: DatasetInput) -> Dataset:
    """Change the description of a staff dataset (its rows and versions stay)."""
    with transaction.atomic():
        before = {"title": dataset.title, "license_id": dataset.license_id}
        _describe(dataset, fields)
        dataset.metadata_modified = timezone.now()
        dataset.save()
        _set_tags(dataset, fields.tags)
        audit_record(
            actor=actor,
            action="opendata.dataset_described",
            target=dataset,
            before=before,
            after={"title": dataset.title, "license_id": dataset.license_id},
        )
    return dataset


def staff_dataset_version_add(
    *, actor: User, dataset: Dataset, content: bytes | None, file_name: str, note: str = ""
) -> DatasetVersion:
    """A new version of a staff dataset: validated against the schema of the current one (same
    columns, same types); the earlier versions are kept."""
    if dataset.source != Source.STAFF:
        raise FieldErrors({"file": [_("自動で公開しているデータには版を追加できません。")]})
    table = _checked_file(content, file_name, dataset.schema or None)
    assert content is not None
    with transaction.atomic():
        locked = Dataset.all_objects.select_for_update().get(pk=dataset.pk)
        version = _store_version(
            actor=actor, dataset=locked, table=table, content=content, file_name=file_name, note=note
        )
        locked.save()
        audit_record(
            actor=actor,
            action="opendata.dataset_version_added",
            target=locked,
            after={"version": version.number, "rows": locked.row_count, "file_sha256": version.file_sha256},
        )
    dataset.refresh_from_db()
    return version


def staff_dataset_withdraw(*, actor: User, dataset: Dataset, reason: str) -> Dataset:
    """Take a staff dataset off the catalog (pages, CKAN API, DCAT, downloads) with a reason the
    public sees on its page (410). Its versions stay; ``staff_dataset_restore`` puts it back."""
    reason = unicodedata.normalize("NFKC", reason or "").strip()
    if not reason:
        raise FieldErrors({"reason": [_("取り下げる理由を入力してください（公開ページに表示します）。")]})
    if len(reason) > 500:
        raise FieldErrors({"reason": [_("理由は500文字以内で入力してください。")]})
    with transaction.atomic():
        locked = Dataset.all_objects.select_for_update().get(pk=dataset.pk)
        if locked.source != Source.STAFF:
            raise FieldErrors({"reason": [_("自動で公開しているデータは取り下げられません。")]})
        if locked.withdrawn_at is None:
            locked.withdrawn_at = timezone.now()
        locked.withdrawn_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        audit_record(
            actor=actor, action="opendata.dataset_withdrawn", target=locked, after={"reason": reason}
        )
    return locked


def staff_dataset_restore(*, actor: User, dataset: Dataset) -> Dataset:
    """Put a withdrawn staff dataset back on the catalog; ``metadata_modified`` moves so a
    harvester asking for changes since its last run finds it again."""
    with transaction.atomic():
        locked = Dataset.all_objects.select_for_update().get(pk=dataset.pk)
        if locked.withdrawn_at is not None:
            locked.withdrawn_at = None
            locked.withdrawn_reason = ""
            locked.metadata_modified = timezone.now()
            locked.save(update_fields=["withdrawn_at", "withdrawn_reason", "metadata_modified"])
            audit_record(actor=actor, action="opendata.dataset_restored", target=locked)
    return locked


def upload_hold_keep(*, user: User, file_name: str, content: bytes) -> UploadHold:
    """Keep a chosen file whose form was refused (see ``UploadHold``); old holds are dropped."""
    UploadHold.objects.filter(created_at__lt=timezone.now() - dt.timedelta(hours=HOLD_HOURS)).delete()
    return UploadHold.objects.create(user=user, file_name=file_name[:200], content=content)


def upload_hold_find(*, user: User, hold_id: object) -> UploadHold | None:
    text = str(hold_id or "")
    if not text.isdigit():
        return None
    return UploadHold.objects.filter(user=user, pk=int(text)).first()
