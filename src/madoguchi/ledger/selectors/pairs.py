"""The review queue: pairs that may be one person, with why."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404

from madoguchi.ledger.constants import PairStatus
from madoguchi.ledger.matching import WEIGHTS
from madoguchi.ledger.models import MatchPair, Record
from madoguchi.ledger.selectors.events import EventAccess
from madoguchi.ledger.selectors.records import record_view


def _require_prefecture(access: EventAccess) -> None:
    if not access.is_prefecture:
        raise Http404


def reasons_view(reasons: list[str]) -> list[dict[str, Any]]:
    return [{"label": str(WEIGHTS[r][1]), "points": WEIGHTS[r][0]} for r in reasons if r in WEIGHTS]


def pair_queue(*, access: EventAccess, status: str = PairStatus.PENDING, page: int = 1):
    _require_prefecture(access)
    if status not in PairStatus.values:
        status = PairStatus.PENDING
    queryset = (
        MatchPair.objects.filter(event=access.event, status=status)
        .select_related("record_a__municipality", "record_b__municipality", "decided_by")
        .order_by("-score", "id")
    )
    current = Paginator(queryset, 30).get_page(page)
    rows = [
        {
            "pair": pair,
            "a": pair.record_a.municipality.name if pair.record_a else "-",
            "b": pair.record_b.municipality.name if pair.record_b else "-",
            "reasons": reasons_view(pair.reasons),
        }
        for pair in current.object_list
    ]
    return current, rows


def access_pair(*, access: EventAccess, pair_id: Any) -> MatchPair:
    _require_prefecture(access)
    try:
        return MatchPair.objects.select_related("decided_by").get(pk=int(pair_id), event=access.event)
    except (MatchPair.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def pair_page(*, access: EventAccess, pair: MatchPair) -> dict[str, Any]:
    records = {
        r.pk: r
        for r in Record.objects.filter(pk__in=[pair.record_a_id, pair.record_b_id]).select_related(
            "municipality"
        )
    }
    sides = [record_view(records[i]) for i in (pair.record_a_id, pair.record_b_id) if i in records]
    return {"pair": pair, "sides": sides, "reasons": reasons_view(pair.reasons)}
