"""Reads of the feedback app: the public form's point, the staff figures (docs/feedback.md)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import User
from madoguchi.accounts.permissions import StaffScope
from madoguchi.feedback.constants import HIGH_SATISFACTION, SATISFACTION_TARGET
from madoguchi.feedback.models import FeedbackSettings, ResponseNote, Review, ReviewPoint

STAFF_ROLES = tuple(Role.values)
MANAGE_ROLES = (Role.OWNER, Role.ADMIN)


@dataclass(frozen=True)
class Figures:
    count: int
    high: int  # satisfaction 4–5
    nps_count: int
    promoters: int  # 9–10
    detractors: int  # 0–6

    @property
    def high_rate(self) -> float | None:
        return self.high / self.count if self.count else None

    @property
    def high_percent(self) -> int | None:
        return round(self.high_rate * 100) if self.high_rate is not None else None

    @property
    def meets_target(self) -> bool | None:
        return self.high_rate >= SATISFACTION_TARGET if self.high_rate is not None else None

    @property
    def nps(self) -> int | None:
        """Net Promoter Score: % promoters − % detractors (−100 … 100)."""
        if not self.nps_count:
            return None
        return round((self.promoters - self.detractors) * 100 / self.nps_count)


FIGURE_AGGREGATES: dict[str, Any] = {
    "count": Count("id"),
    "high": Count("id", filter=Q(satisfaction__gte=HIGH_SATISFACTION)),
    "nps_count": Count("id", filter=Q(nps__isnull=False)),
    "promoters": Count("id", filter=Q(nps__gte=9)),
    "detractors": Count("id", filter=Q(nps__isnull=False, nps__lte=6)),
}


def _figures(row: Mapping[str, Any]) -> Figures:
    return Figures(**{key: row.get(key) or 0 for key in FIGURE_AGGREGATES})


def point_public(*, code: str) -> ReviewPoint:
    point = (
        ReviewPoint.objects.select_related("organization", "department")
        .filter(code=code.strip().upper(), is_active=True)
        .first()
    )
    if point is None:
        raise Http404
    return point


def point_by_ref(*, organization_id: int, external_ref: str) -> ReviewPoint | None:
    return ReviewPoint.objects.filter(
        organization_id=organization_id, external_ref=external_ref, is_active=True
    ).first()


def settings_for(*, organization_id: int) -> FeedbackSettings:
    settings = FeedbackSettings.objects.filter(organization_id=organization_id).first()
    return settings if settings is not None else FeedbackSettings(organization_id=organization_id)


def published_notes(*, point: ReviewPoint, limit: int = 3) -> list[ResponseNote]:
    return list(point.notes.all()[:limit])


def public_notes(*, limit: int = 20) -> list[ResponseNote]:
    """The latest 「ご意見への対応」 of every point still taking reviews, for the public page."""
    return list(
        ResponseNote.objects.filter(point__is_active=True)
        .select_related("point", "point__organization")
        .order_by("-published_at")[:limit]
    )


def staff_points(*, user: User, kind: str = "", department_id: int | None = None) -> QuerySet[ReviewPoint]:
    """Points a staff member may read: their organizations; department-limited grants see their
    departments' points and the organization-wide ones."""
    scope = StaffScope.of(user)
    if user.is_superuser:
        points = ReviewPoint.objects.all()
    else:
        condition = Q(pk__in=[])
        for grant in scope.grants:
            if grant.department_id is None or grant.role in (Role.CENTRE, Role.AUDITOR, Role.ADMIN):
                condition |= Q(organization_id=grant.organization_id)
            else:
                condition |= Q(organization_id=grant.organization_id) & (
                    Q(department_id=grant.department_id) | Q(department__isnull=True)
                )
        points = ReviewPoint.objects.filter(condition)
    if kind:
        points = points.filter(kind=kind)
    if department_id:
        points = points.filter(department_id=department_id)
    return points.select_related("organization", "department").order_by("organization__name", "kind", "name")


def access_staff_point(*, user: User, code: str) -> ReviewPoint:
    point = staff_points(user=user).filter(code=code).first()
    if point is None:
        raise Http404
    return point


def can_manage(*, user: User, organization_id: int) -> bool:
    return user.is_superuser or StaffScope.of(user).has_role(*MANAGE_ROLES, organization_id=organization_id)


def period_start(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def points_overview(
    *, points: QuerySet[ReviewPoint], since: dt.datetime
) -> list[tuple[ReviewPoint, Figures]]:
    """Each point with its figures since ``since`` (one grouped query)."""
    rows: dict[int, Mapping[str, Any]] = {
        row["point_id"]: row
        for row in Review.objects.filter(point__in=points, submitted_at__gte=since, held=False)
        .values("point_id")
        .annotate(**FIGURE_AGGREGATES)
    }
    return [(point, _figures(rows.get(point.pk, {}))) for point in points]


@dataclass(frozen=True)
class DepartmentFigures:
    """One department's points together (``department`` None: the points no department owns)."""

    organization_name: str
    department_id: int | None
    department_name: str
    points: int
    figures: Figures

    @property
    def gap_points(self) -> int | None:
        """高評価率 minus the 70 % target, in percentage points (+ above, − below)."""
        if self.figures.high_rate is None:
            return None
        return round((self.figures.high_rate - SATISFACTION_TARGET) * 100)


def departments_overview(*, points: QuerySet[ReviewPoint], since: dt.datetime) -> list[DepartmentFigures]:
    """Per department (of the points given): how many points, and their reviews' figures since
    ``since`` against the target — one grouped query for the figures, one for the points."""
    figures: dict[tuple[int, int | None], Mapping[str, Any]] = {
        (row["point__organization_id"], row["point__department_id"]): row
        for row in Review.objects.filter(point__in=points, submitted_at__gte=since, held=False)
        .values("point__organization_id", "point__department_id")
        .annotate(**FIGURE_AGGREGATES)
    }
    rows = (
        points.order_by()
        .values("organization_id", "organization__name", "department_id", "department__name")
        .annotate(n=Count("id"))
    )
    result = [
        DepartmentFigures(
            organization_name=row["organization__name"],
            department_id=row["department_id"],
            department_name=row["department__name"] or "",
            points=row["n"],
            figures=_figures(figures.get((row["organization_id"], row["department_id"]), {})),
        )
        for row in rows
    ]
    result.sort(key=lambda d: (d.organization_name, d.department_id is None, d.department_name))
    return result


def figures_total(*, points: QuerySet[ReviewPoint], since: dt.datetime) -> Figures:
    return _figures(
        Review.objects.filter(point__in=points, submitted_at__gte=since, held=False).aggregate(
            **FIGURE_AGGREGATES
        )
    )


def point_trend(*, point: ReviewPoint, months: int = 6) -> list[tuple[dt.date, Figures]]:
    """Month by month (Japan time), the last ``months`` months, oldest first; empty months shown."""
    today = timezone.localdate()
    starts: list[dt.date] = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    starts.reverse()
    since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time()))
    rows: dict[dt.date, Mapping[str, Any]] = {
        (row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]): row
        for row in Review.objects.filter(point=point, submitted_at__gte=since, held=False)
        .annotate(month=TruncMonth("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(**FIGURE_AGGREGATES)
    }
    return [(start, _figures(rows.get(start, {}))) for start in starts]


def difficulty_counts(*, point: ReviewPoint, since: dt.datetime) -> list[tuple[str, int]]:
    settings = settings_for(organization_id=point.organization_id)
    counts: Counter[str] = Counter()
    for chosen in Review.objects.filter(point=point, submitted_at__gte=since, held=False).values_list(
        "difficulties", flat=True
    ):
        counts.update(chosen or [])
    return [(d["label"], counts.get(d["key"], 0)) for d in settings.difficulties]


def difficulty_labels(*, organization_id: int) -> dict[str, str]:
    return {d["key"]: d["label"] for d in settings_for(organization_id=organization_id).difficulties}


def point_comments(*, point: ReviewPoint, since: dt.datetime, limit: int = 50) -> list[Review]:
    """Reviews with a comment, newest first; each gets ``labels`` (its "what was hard" tags)."""
    labels = difficulty_labels(organization_id=point.organization_id)
    reviews = list(
        Review.objects.filter(point=point, submitted_at__gte=since)
        .exclude(comment="")
        .order_by("-submitted_at")[:limit]
    )
    for review in reviews:
        review.labels = [labels.get(key, key) for key in review.difficulties]  # type: ignore[attr-defined]
    return reviews


def held_reviews(*, point: ReviewPoint, limit: int = 50) -> list[Review]:
    return list(Review.objects.filter(point=point, held=True).order_by("-submitted_at")[:limit])


def held_count(*, point: ReviewPoint) -> int:
    return Review.objects.filter(point=point, held=True).count()


def export_reviews(*, points: QuerySet[ReviewPoint], since: dt.datetime) -> QuerySet[Review]:
    return (
        Review.objects.filter(point__in=points, submitted_at__gte=since)
        .select_related("point", "point__department")
        .order_by("point__name", "submitted_at")
    )
