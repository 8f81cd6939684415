"""What every ledger page needs: the access gate, the event context, errors and audited reads."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render

from madoguchi.ledger.access import ledger_staff_required  # noqa: F401  (the one gate)
from madoguchi.ledger.selectors import EventAccess


def render_event(
    request, template: str, access: EventAccess, context: dict[str, Any], *, nav: str, status: int = 200
):
    context = {"access": access, "event": access.event, "nav": nav, **context}
    return render(request, template, context, status=status)


def int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def page_number(request) -> int:
    return max(1, int_or_none(request.GET.get("page")) or 1)
