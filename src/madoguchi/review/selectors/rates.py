"""電子決定率: the share of decisions taken electronically."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from madoguchi.review.models import Case

# ---------------------------------------------------------------------------- 電子決定率


def e_decision_rate(
    *,
    organization_id: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
    department_id: int | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """電子決定率 = decisions taken electronically / all decisions, for a period."""
    from django.db.models import Count

    qs = Case.objects.filter(organization_id=organization_id, decided_at__isnull=False)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(decided_at__date__gte=since)
    if until:
        qs = qs.filter(decided_at__date__lte=until)
    agg = qs.aggregate(total=Count("pk"), electronic=Count("pk", filter=Q(is_electronic=True)))
    total, electronic = agg["total"], agg["electronic"]
    return {"total": total, "electronic": electronic, "rate": (electronic / total) if total else None}
