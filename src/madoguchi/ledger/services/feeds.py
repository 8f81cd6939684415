"""Madoguchi's own 罹災証明書 applications feed the same ledger (a pull, so `applications` knows
nothing of the ledger): every submitted, not withdrawn application of a linked procedure since
the disaster becomes a record of the procedure's municipality, keyed by its 受付番号, read by the
same row reader as the uploaded files. Each sync replaces that municipality's application
snapshot (snapshot.py); rows the reader refuses are listed on the sync's page and left out."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.types import Actor, User, user_or_none
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.ledger.constants import JobKind, JobStatus, SourceKind, UploadStatus
from madoguchi.ledger.models import ApplicationFeed, DisasterEvent, EventMunicipality, Job, Record, Upload
from madoguchi.ledger.rows import RowReader
from madoguchi.ledger.selectors import access_event, municipality_names
from madoguchi.ledger.services.uploads import stage_rows, upload_apply

# ledger key → the 罹災証明書 procedure's field key (demo/data/procedures/shinjuku-risai-shomei.json)
DEFAULT_MAPPING = {
    "name": "victim",
    "birth_date": "birth_date",
    "sex": "sex",
    "address": "address",
    "phone": "phone",
    "current_address": "current_place",
    "needs_care": "needs_care",
}
SEX_WORDS = {"male": "男", "female": "女", "other": "その他"}


def _text(value: Any) -> str:
    if isinstance(value, dict):
        if "family" in value:
            return " ".join(v for v in (value.get("family", ""), value.get("given", "")) if v)
        return "".join(str(value.get(k, "")) for k in ("prefecture", "city", "street", "building"))
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return "" if value is None else str(value)


def application_row(application: Application, mapping: dict[str, str]) -> dict[str, Any]:
    data = application.data or {}
    row: dict[str, Any] = {"source_key": application.reference_number}
    for key, field_key in mapping.items():
        row[key] = _text(data.get(field_key))
    name = data.get(mapping.get("name", ""), {})
    if isinstance(name, dict):
        row["kana"] = " ".join(v for v in (name.get("family_kana", ""), name.get("given_kana", "")) if v)
    row["sex"] = SEX_WORDS.get(str(data.get(mapping.get("sex", ""), "")), "")
    return row


def feed_link(
    *, event: DisasterEvent, procedure: Any, mapping: dict[str, str] | None = None
) -> ApplicationFeed:
    feed, _created = ApplicationFeed.objects.get_or_create(
        event=event, procedure=procedure, defaults={"mapping": mapping or DEFAULT_MAPPING}
    )
    return feed


def feeds_sync(*, event: DisasterEvent, actor: Actor = "system") -> list[Upload]:
    """Bring every feed of the event up to date (beat, the event page's button, the demo)."""
    if not event.is_writable:
        raise DomainError(_("この災害は保存期間中のため、取り込めません。"))
    feeds = ApplicationFeed.objects.filter(event=event).select_related("procedure", "event")
    return [upload for feed in feeds if (upload := feed_sync(feed=feed, actor=actor)) is not None]


def feeds_sync_request(*, user: User, event_id: Any) -> list[Upload]:
    """The button: the prefecture, or a municipality whose procedure feeds the event."""
    access = access_event(user=user, event_id=event_id)
    feeds = ApplicationFeed.objects.filter(event=access.event)
    if not access.is_prefecture:
        feeds = feeds.filter(procedure__organization_id__in=access.municipality_ids)
    if not feeds.exists():
        raise DomainError(_("取り込む申請の手続がありません。"), status=404)
    if not access.event.is_writable:
        raise DomainError(_("この災害は保存期間中のため、取り込めません。"))
    feeds = feeds.select_related("procedure", "event")
    return [upload for feed in feeds if (upload := feed_sync(feed=feed, actor=user)) is not None]


def _applications(feed: ApplicationFeed):
    return (
        Application.objects.filter(
            procedure_id=feed.procedure_id, submitted_at__date__gte=feed.event.occurred_on
        )
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .order_by("submitted_at")
    )


def feed_sync(*, feed: ApplicationFeed, actor: Actor = "system") -> Upload | None:
    """One feed; None when there is nothing to take in and nothing taken in before."""
    event = feed.event
    organization_id = feed.procedure.organization_id
    applications = _applications(feed)
    known = Record.objects.filter(event=event, municipality_id=organization_id, source=SourceKind.APPLICATION)
    if not applications.exists() and not known.exists():
        return None
    with transaction.atomic():
        EventMunicipality.objects.get_or_create(event=event, organization_id=organization_id)
        job = Job.objects.create(
            event=event,
            kind=JobKind.SYNC,
            organization_id=organization_id,
            created_by=user_or_none(actor),
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
        )
        upload = Upload.objects.create(
            event=event,
            organization_id=organization_id,
            job=job,
            status=UploadStatus.RUNNING,
            source=SourceKind.APPLICATION,
            original_name=_("%(title)s（申請からの取り込み）") % {"title": feed.procedure.title},
            file_format="application",
            mapping=dict(feed.mapping or DEFAULT_MAPPING),
            uploaded_by=job.created_by,
        )
    reader = RowReader(
        event_id=event.pk,
        salt=event.key_salt,
        municipality_id=organization_id,
        municipality_names=municipality_names(event.pk),
    )
    mapping = upload.mapping
    rows = ((n, application_row(a, mapping)) for n, a in enumerate(applications.iterator(), start=1))
    valid, errors = stage_rows(upload=upload, reader=reader, rows=rows, job_id=job.pk)
    upload_apply(upload=upload, rows_total=valid)
    if errors:
        Upload.objects.filter(pk=upload.pk).update(error_count=errors)
    ApplicationFeed.objects.filter(pk=feed.pk).update(last_synced_at=timezone.now())
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="ledger.applications_synced",
            target=upload,
            after={"feed": feed.pk, "rows": valid, "errors": errors},
        )
    upload.refresh_from_db()
    return upload
