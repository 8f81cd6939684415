"""Keeping the KPI aggregates up to date, and the paper procedures staff register (docs/kpi.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, Organization, User
from madoguchi.applications.models import ApplicationEvent
from madoguchi.audit.services import audit_record
from madoguchi.core import textfiles
from madoguchi.core.errors import FieldErrors
from madoguchi.feedback.models import Review
from madoguchi.insights.models import MonthlyFigure, MonthRefresh, PaperProcedure, RefreshMark
from madoguchi.insights.sources import MonthWindow, Source, run_sources
from madoguchi.knowledge.models import SearchQueryLog
from madoguchi.payments.models import Payment
from madoguchi.reservations.models import Booking
from madoguchi.review.models import Case, CorrectionRequest

# A change is picked up by the next refresh even if its transaction committed a little after
# the mark was taken: the window overlaps by this much.
REFRESH_OVERLAP = dt.timedelta(minutes=5)


def month_start(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_window(*, organization_id: int, month: dt.date) -> MonthWindow:
    first = month_start(month)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(next_month(first), dt.time(), tzinfo=tz)
    return MonthWindow(organization_id=organization_id, month=first, start=start, end=end)


def figures_refresh_month(
    *, organization: Organization, month: dt.date, sources: list[Source] | None = None
) -> int:
    """Recompute every figure of one organization and month; returns how many rows it wrote.

    Idempotent: the month's rows are replaced inside one transaction, under the lock of its
    ``MonthRefresh`` row, so a page never sees half a month and two refreshes never interleave.
    """
    window = month_window(organization_id=organization.pk, month=month)
    with transaction.atomic():
        marker, _created = MonthRefresh.objects.get_or_create(organization=organization, month=window.month)
        MonthRefresh.objects.select_for_update().get(pk=marker.pk)
        tally = run_sources(window, sources)
        MonthlyFigure.objects.filter(organization=organization, month=window.month).delete()
        rows = []
        for (department_id, procedure_id, metric), value in tally.values.items():
            histogram = tally.histograms.get((department_id, procedure_id, metric))
            rows.append(
                MonthlyFigure(
                    organization=organization,
                    department_id=department_id,
                    procedure_id=procedure_id,
                    month=window.month,
                    metric=metric,
                    value=value,
                    histogram={str(k): v for k, v in sorted(histogram.items())} if histogram else None,
                )
            )
        MonthlyFigure.objects.bulk_create(rows, batch_size=1000)
        MonthRefresh.objects.filter(pk=marker.pk).update(refreshed_at=timezone.now())
    return len(rows)


def changed_months(*, since: dt.datetime | None) -> set[tuple[int, dt.date]]:
    """(organization id, month) pairs with something new since ``since`` (all, when None)."""
    pairs: set[tuple[int, dt.date]] = set()

    def collect(qs: QuerySet[Any], org_field: str, date_field: str) -> None:
        for org_id, month in (
            qs.exclude(**{f"{date_field}__isnull": True})
            .annotate(m=TruncMonth(date_field))
            .values_list(org_field, "m")
            .distinct()
        ):
            pairs.add((org_id, month_start(month)))

    events = (
        ApplicationEvent.objects.all() if since is None else ApplicationEvent.objects.filter(at__gte=since)
    )
    collect(events, "application__organization_id", "application__submitted_at")
    cases = Case.objects.all() if since is None else Case.objects.filter(updated_at__gte=since)
    collect(cases, "organization_id", "decided_at")
    corrections = (
        CorrectionRequest.objects.all()
        if since is None
        else CorrectionRequest.objects.filter(requested_at__gte=since)
    )
    collect(corrections, "application__organization_id", "application__submitted_at")
    bookings = Booking.objects.all() if since is None else Booking.objects.filter(updated_at__gte=since)
    collect(bookings, "resource__organization_id", "slot__starts_at")
    logs = SearchQueryLog.objects.filter(organization__isnull=False)
    if since is not None:
        logs = logs.filter(day__gte=timezone.localtime(since).date())
    for org_id, day in logs.values_list("organization_id", "day").distinct():
        pairs.add((org_id, day.replace(day=1)))
    reviews = Review.objects.all() if since is None else Review.objects.filter(submitted_at__gte=since)
    collect(reviews, "organization_id_copy", "submitted_at")
    payments = Payment.objects.all() if since is None else Payment.objects.filter(updated_at__gte=since)
    collect(payments, "organization_id", "paid_at")
    return pairs


def figures_refresh_changed(*, now: dt.datetime | None = None) -> int:
    """The beat task's work: recompute the months that changed since the last run, and the
    current month of every organization (so "as of" moves on even in a quiet month)."""
    now = now or timezone.now()
    with transaction.atomic():
        mark, _created = RefreshMark.objects.select_for_update().get_or_create(key="default")
        since = mark.seen_until - REFRESH_OVERLAP if mark.seen_until else None
        pairs = changed_months(since=since)
        current = month_start(now)
        pairs |= {(org_id, current) for org_id in Organization.objects.values_list("pk", flat=True)}
        mark.seen_until = now
        mark.save(update_fields=["seen_until"])
    organizations = Organization.objects.in_bulk({org_id for org_id, _m in pairs})
    for org_id, month in sorted(pairs):
        figures_refresh_month(organization=organizations[org_id], month=month)
    return len(pairs)


# ---------------------------------------------------------------------------- paper procedures


@dataclass
class PaperInput:
    title: str
    fiscal_year: int
    paper_count: int
    department: Department | None = None


def _number(raw: object, *, field: str, errors: dict[str, list[str]], minimum: int = 0) -> int:
    text = unicodedata.normalize("NFKC", str(raw or "")).replace(",", "").strip()
    if not text.isdigit():
        errors.setdefault(field, []).append(_("半角または全角の数字で入力してください。"))
        return 0
    value = int(text)
    if value < minimum:
        errors.setdefault(field, []).append(
            _("%(minimum)s 以上の数を入力してください。") % {"minimum": minimum}
        )
    return value


def paper_procedure_check(
    *,
    organization: Organization,
    title: str,
    fiscal_year: object,
    paper_count: object,
    department_slug: str = "",
) -> PaperInput:
    """Shape and check one paper procedure (form field or CSV row); raises FieldErrors."""
    errors: dict[str, list[str]] = {}
    title = unicodedata.normalize("NFKC", title or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("手続名を入力してください。"))
    year = _number(fiscal_year, field="fiscal_year", errors=errors, minimum=2000)
    count = _number(paper_count, field="paper_count", errors=errors)
    department = None
    if department_slug:
        department = Department.objects.filter(
            organization=organization, slug=department_slug.strip()
        ).first()
        if department is None:
            errors.setdefault("department", []).append(_("この団体にない部署です。"))
    if errors:
        raise FieldErrors(errors)
    return PaperInput(title=title, fiscal_year=year, paper_count=count, department=department)


def paper_procedure_save(*, actor: User, organization: Organization, data: PaperInput) -> PaperProcedure:
    """Create or update (same title and year) a paper procedure; audited."""
    with transaction.atomic():
        item, created = PaperProcedure.objects.update_or_create(
            organization=organization,
            fiscal_year=data.fiscal_year,
            title=data.title,
            defaults={"paper_count": data.paper_count, "department": data.department},
        )
        audit_record(
            actor=actor,
            action="insights.paper_procedure_saved",
            target=item,
            after={"title": item.title, "fiscal_year": item.fiscal_year, "paper_count": item.paper_count},
        )
    return item


def paper_procedures_import(*, actor: User, organization: Organization, content: bytes) -> int:
    """Import a CSV (UTF-8 with or without BOM, or Shift_JIS) with the columns
    手続名, 年度, 件数 and optionally 部署 (the department's slug). All rows or none."""
    try:
        text = textfiles.decode_text(content).text  # core/textfiles.py
    except textfiles.UnreadableFile:
        raise FieldErrors({"file": [_("文字コードを読み取れません。UTF-8 で保存してください。")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    required = {"手続名", "年度", "件数"}
    if not reader.fieldnames or not required <= {name.strip() for name in reader.fieldnames}:
        raise FieldErrors({"file": [_("1 行目に「手続名」「年度」「件数」の見出しが必要です。")]})
    checked: list[PaperInput] = []
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): v for k, v in row.items()}
        try:
            checked.append(
                paper_procedure_check(
                    organization=organization,
                    title=row.get("手続名", ""),
                    fiscal_year=row.get("年度", ""),
                    paper_count=row.get("件数", ""),
                    department_slug=row.get("部署", "") or "",
                )
            )
        except FieldErrors as exc:
            for messages in exc.errors.values():
                problems.extend(
                    _("%(line)s 行目: %(message)s") % {"line": line, "message": m} for m in messages
                )
    if problems:
        raise FieldErrors({"file": problems[:20]})
    with transaction.atomic():
        for data in checked:
            paper_procedure_save(actor=actor, organization=organization, data=data)
    return len(checked)
