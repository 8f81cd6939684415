from __future__ import annotations

from typing import Any

from madoguchi.audit.models import AuditChainHead, AuditEntry


def entries_for(*, targets: list[tuple[str, str]], limit: int = 500) -> list[AuditEntry]:
    """History of some objects, oldest first: [(target_type, target_id), ...]."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for target_type, target_id in targets:
        q |= Q(target_type=target_type, target_id=str(target_id))
    return list(AuditEntry.objects.filter(q).select_related("actor").order_by("id")[:limit])


def chain_overview(*, verify: bool = False) -> dict[str, Any]:
    from madoguchi.audit.services import audit_verify

    head = AuditChainHead.objects.filter(id=1).first()
    result = audit_verify() if verify else None
    return {
        "head": head,
        "verified": result,
        "latest": list(AuditEntry.objects.select_related("actor").order_by("-id")[:50]),
    }
