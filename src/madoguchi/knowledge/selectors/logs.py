"""Staff reports from the query logs (no personal data): queries that found nothing, results
rarely opened, chat questions left unanswered."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from madoguchi.knowledge.constants import QuerySource
from madoguchi.knowledge.models import SearchQueryLog
from madoguchi.knowledge.selectors.access import Viewer, staff_organization_ids


def _logs(user: Viewer, days: int, source: str) -> QuerySet[SearchQueryLog]:
    """The viewer's organizations' query logs (superusers: all, also rows without organization)."""
    since = timezone.localdate() - timedelta(days=days)
    rows = SearchQueryLog.objects.filter(day__gte=since, source=source)
    if getattr(user, "is_superuser", False):
        return rows
    return rows.filter(organization_id__in=staff_organization_ids(user))


def zero_result_queries(*, user: Viewer, days: int = 30, limit: int = 50):
    return (
        _logs(user, days, QuerySource.SEARCH)
        .values("query")
        .annotate(total=Sum("zero_results"), searches=Sum("searches"))
        .filter(total__gt=0)
        .order_by("-total", "query")[:limit]
    )


def low_click_queries(*, user: Viewer, days: int = 30, min_searches: int = 3, limit: int = 50):
    """Queries searched several times whose results were rarely opened (clicks < 20% of searches)."""
    rows = (
        _logs(user, days, QuerySource.SEARCH)
        .values("query")
        .annotate(searches_total=Sum("searches"), clicks_total=Sum("clicks"), zero=Sum("zero_results"))
        .filter(searches_total__gte=min_searches)
        .filter(clicks_total__lt=F("searches_total") * 0.2)
        .exclude(zero=F("searches_total"))
        .order_by("-searches_total", "query")
    )
    return rows[:limit]


def unanswered_chat_questions(*, user: Viewer, days: int = 30, limit: int = 50):
    return (
        _logs(user, days, QuerySource.CHAT)
        .values("query")
        .annotate(total=Sum("unanswered"))
        .filter(total__gt=0)
        .order_by("-total", "query")[:limit]
    )
