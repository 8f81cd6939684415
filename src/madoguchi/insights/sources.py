"""Where the figures come from: one function per source, each counting one organization-month.

Each source reads only the rows of that month (indexed by date), never all of history. A source
with no rows for the month adds nothing, so its KPIs show 「データなし」 instead of a made-up
number (docs/kpi.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.utils import timezone

from madoguchi.applications.constants import ApplicationStatus, Channel
from madoguchi.applications.models import Application
from madoguchi.core.business_days import business_days_between
from madoguchi.feedback.models import Review
from madoguchi.ideas.models import Proposal
from madoguchi.insights.constants import Metric
from madoguchi.knowledge.constants import QuerySource
from madoguchi.knowledge.models import SearchQueryLog
from madoguchi.payments.constants import CASHLESS
from madoguchi.payments.models import Payment
from madoguchi.reservations.constants import BookingStatus
from madoguchi.reservations.models import Booking
from madoguchi.review.constants import CaseKind
from madoguchi.review.models import Case, CorrectionRequest

Key = tuple[int | None, int | None]  # (department_id, procedure_id)


@dataclass
class MonthWindow:
    organization_id: int
    month: dt.date  # first day
    start: dt.datetime  # aware, JST midnight of the first day
    end: dt.datetime  # aware, first day of the next month


@dataclass
class Tally:
    """Figures being counted for one organization-month: (dept, procedure, metric) → value."""

    values: Counter[tuple[int | None, int | None, str]] = field(default_factory=Counter)
    histograms: dict[tuple[int | None, int | None, str], Counter[int]] = field(
        default_factory=lambda: defaultdict(Counter)
    )

    def add(self, key: Key, metric: str, amount: int = 1) -> None:
        if amount:
            self.values[(key[0], key[1], metric)] += amount

    def observe(self, key: Key, metric: str, days: int) -> None:
        self.histograms[(key[0], key[1], metric)][days] += 1
        self.values[(key[0], key[1], metric)] += 1


Source = Callable[[MonthWindow, Tally], None]


ONLINE_CHANNELS = (Channel.ONLINE, Channel.API)


def applications_source(window: MonthWindow, tally: Tally) -> None:
    """Applications submitted in the month by channel, and how many were corrected or withdrawn."""
    submitted = Application.objects.filter(
        organization_id=window.organization_id, submitted_at__gte=window.start, submitted_at__lt=window.end
    )
    rows = submitted.values("procedure__department_id", "procedure_id", "channel").annotate(
        n=Count("pk"), withdrawn=Count("pk", filter=Q(status=ApplicationStatus.WITHDRAWN))
    )
    for row in rows:
        key = (row["procedure__department_id"], row["procedure_id"])
        channel = row["channel"]
        metric = (
            Metric.APPS_ONLINE
            if channel in ONLINE_CHANNELS
            else Metric.APPS_BULK
            if channel == Channel.BULK
            else Metric.APPS_COUNTER
        )
        tally.add(key, metric, row["n"])
        tally.add(key, Metric.WITHDRAWN, row["withdrawn"])
    corrected = (
        CorrectionRequest.objects.filter(application__in=submitted)
        .values("application__procedure__department_id", "application__procedure_id")
        .annotate(n=Count("application_id", distinct=True))
    )
    for crow in corrected:
        tally.add(
            (crow["application__procedure__department_id"], crow["application__procedure_id"]),
            Metric.CORRECTED,
            crow["n"],
        )


def cases_source(window: MonthWindow, tally: Tally) -> None:
    """Decisions in the month: 電子決定率 (applications and 起案), processing time of applications."""
    decided = Case.objects.filter(
        organization_id=window.organization_id, decided_at__gte=window.start, decided_at__lt=window.end
    ).values_list(
        "department_id",
        "procedure_id",
        "kind",
        "is_electronic",
        "opened_at",
        "decided_at",
        "suspended_days",
        "procedure__standard_processing_days",
    )
    for department_id, procedure_id, kind, electronic, opened, decided_at, suspended, standard in decided:
        key = (department_id, procedure_id)
        tally.add(key, Metric.CASES_DECIDED)
        if electronic:
            tally.add(key, Metric.CASES_ELECTRONIC)
        if kind != CaseKind.APPLICATION:
            continue
        days = max(
            0,
            business_days_between(timezone.localdate(opened), timezone.localdate(decided_at))
            - (suspended or 0),
        )
        tally.add(key, Metric.DECIDED)
        tally.observe(key, Metric.PROCESSING_DAYS, days)
        if standard:
            tally.add(key, Metric.WITH_STANDARD)
            if days <= standard:
                tally.add(key, Metric.WITHIN_STANDARD)


def bookings_source(window: MonthWindow, tally: Tally) -> None:
    """Bookings of slots in the month that were checked in or marked as 来場なし."""
    rows = (
        Booking.objects.filter(
            resource__organization_id=window.organization_id,
            slot__starts_at__gte=window.start,
            slot__starts_at__lt=window.end,
            status__in=(BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW),
        )
        .values("resource__department_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        metric = (
            Metric.BOOKINGS_ATTENDED if row["status"] == BookingStatus.CHECKED_IN else Metric.BOOKINGS_NO_SHOW
        )
        tally.add((row["resource__department_id"], None), metric, row["n"])


def search_source(window: MonthWindow, tally: Tally) -> None:
    """FAQ searches and chatbot questions (the daily, anonymous search log)."""
    rows = (
        SearchQueryLog.objects.filter(
            organization_id=window.organization_id,
            day__gte=window.month,
            day__lt=_next_month(window.month),
        )
        .values("source")
        .annotate(searches=Sum("searches"), zero=Sum("zero_results"), unanswered=Sum("unanswered"))
    )
    for row in rows:
        if row["source"] == QuerySource.CHAT:
            tally.add((None, None), Metric.CHATS, row["searches"] or 0)
            tally.add((None, None), Metric.CHATS_UNANSWERED, row["unanswered"] or 0)
        else:
            tally.add((None, None), Metric.SEARCHES, row["searches"] or 0)
            tally.add((None, None), Metric.SEARCHES_ZERO, row["zero"] or 0)


def _next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def model_available(label: str) -> bool:
    """True when an app has the model a source needs (apps still being built have none)."""
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


# feedback's, payments' and ideas' sources are below.
SOURCES: list[Source] = [applications_source, cases_source, bookings_source, search_source]


def run_sources(window: MonthWindow, sources: Iterable[Source] | None = None) -> Tally:
    tally = Tally()
    for source in SOURCES if sources is None else sources:
        source(window, tally)
    return tally


def feedback_source(window: MonthWindow, tally: Tally) -> None:
    """満足度 and NPS: reviews of counters and procedures (feedback app), held ones left out."""
    rows = (
        Review.objects.filter(
            organization_id_copy=window.organization_id,
            submitted_at__gte=window.start,
            submitted_at__lt=window.end,
            held=False,
        )
        .values("point__department_id", "point__procedure_id")
        .annotate(
            n=Count("pk"),
            high=Count("pk", filter=Q(satisfaction__gte=4)),
            nps_n=Count("pk", filter=Q(nps__isnull=False)),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
    )
    for row in rows:
        key = (row["point__department_id"], row["point__procedure_id"])
        tally.add(key, Metric.REVIEWS, row["n"])
        tally.add(key, Metric.REVIEWS_HIGH, row["high"])
        tally.add(key, Metric.NPS_ANSWERS, row["nps_n"])
        tally.add(key, Metric.NPS_PROMOTERS, row["promoters"])
        tally.add(key, Metric.NPS_DETRACTORS, row["detractors"])


def payments_source(window: MonthWindow, tally: Tally) -> None:
    """キャッシュレス比率: fee payments settled in the month, by method (payments app)."""
    rows = (
        Payment.objects.filter(
            organization_id=window.organization_id, paid_at__gte=window.start, paid_at__lt=window.end
        )
        .values("procedure__department_id", "procedure_id")
        .annotate(n=Count("pk"), cashless=Count("pk", filter=Q(method__in=list(CASHLESS))))
    )
    for row in rows:
        key = (row["procedure__department_id"], row["procedure_id"])
        tally.add(key, Metric.PAYMENTS, row["n"])
        tally.add(key, Metric.PAYMENTS_CASHLESS, row["cashless"])


def ideas_source(window: MonthWindow, tally: Tally) -> None:
    """提案への公式回答までの日数: proposals whose official answer was published in the month, by the
    answering department; days from publication to the answer (calendar days)."""
    rows = Proposal.objects.filter(
        space__organization_id=window.organization_id,
        answer_published_at__gte=window.start,
        answer_published_at__lt=window.end,
        published_at__isnull=False,
    ).values_list("department_id", "published_at", "answer_published_at")
    for department_id, published_at, answered_at in rows:
        key = (department_id, None)
        tally.add(key, Metric.IDEAS_ANSWERED)
        days = (timezone.localdate(answered_at) - timezone.localdate(published_at)).days
        tally.observe(key, Metric.IDEAS_ANSWER_DAYS, max(days, 0))


SOURCES.extend([feedback_source, payments_source, ideas_source])
