"""Template tags other apps' pages use to show fees without importing payments' code:
``{% load payments_tags %}{% payment_panel application %}`` on the status page and
``{% fee_preview draft %}`` on the confirmation page."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from madoguchi.payments import selectors
from madoguchi.payments.constants import ReductionStatus
from madoguchi.payments.services import fee_quote

register = template.Library()


@register.inclusion_tag("payments/_panel.html")
def payment_panel(application: Any) -> dict[str, Any]:
    payment = selectors.payment_of_application(application)
    return {"payment": payment, "application": application}


@register.inclusion_tag("payments/_preview.html")
def fee_preview(draft: Any) -> dict[str, Any]:
    procedure = draft.version.procedure
    quote = fee_quote(procedure=procedure, data=draft.data or {}, version_id=draft.version_id)
    return {"quote": quote}


@register.inclusion_tag("payments/_staff_line.html")
def staff_fee_line(application: Any) -> dict[str, Any]:
    """On the staff case page: the fee's state, and the way to decide it or to see it."""
    return {"application": application, "payment": selectors.payment_of_application(application)}


@register.simple_tag
def reduction_errors(errors: Any, index: Any, part: str) -> list[str]:
    """The messages of one cell of the 減免 rows (keys ``reduction_<i>_<part>``)."""
    return list((errors or {}).get(f"reduction_{index}_{part}", []))


@register.inclusion_tag("payments/_work.html", takes_context=True)
def fee_work(context: Any) -> dict[str, Any]:
    """On 自分の仕事: fees waiting for staff (an amount to decide at review, a 減免 to verify)
    and refunds waiting for their approval (asked by someone else: four eyes)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"waiting": [], "refunds": []}
    # An amount already decided waits for the approval (the decision makes it payable), not for
    # a fee action: it is not listed, nor shown as a 減免 to verify.
    waiting = list(
        selectors.staff_payments(user=user, filters={"status": "awaiting_amount"})
        .filter(Q(amount__isnull=True) | Q(reduction_status=ReductionStatus.TO_VERIFY))
        .order_by("created_at")[:20]
    )
    return {"waiting": waiting, "refunds": selectors.refunds_to_approve(user=user)}
