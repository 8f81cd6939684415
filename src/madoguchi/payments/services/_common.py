"""What the payments services share: who may act on a payment, the payment ledger, the
applicant's timeline, and asking the applicant to pay."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from django.utils.translation import gettext_noop

from madoguchi.accounts.constants import Role
from madoguchi.accounts.permissions import StaffScope
from madoguchi.accounts.types import Actor, User, user_or_none
from madoguchi.applications import services as applications
from madoguchi.applications.timeline import Line, day
from madoguchi.payments import notify
from madoguchi.payments.models import Payment, PaymentEvent
from madoguchi.procedures.models import Procedure

REVIEW_ROLES = {Role.REVIEWER, Role.APPROVER, Role.CENTRE, Role.ADMIN}
CASHIER_ROLES = {Role.COUNTER, Role.REVIEWER, Role.APPROVER, Role.CENTRE, Role.ADMIN}


class HasProcedure(Protocol):
    """What staff act on: a payment, an application, or the builder's procedure (its fee)."""

    @property
    def procedure(self) -> Procedure: ...


def timeline(payment: Payment, message: Line, *, actor: Actor = None) -> None:
    """A line on the applicant's timeline, written by applications (its only writer), which
    also audits it as ``application.payment`` on the application — so the application's own
    trail shows its fee, next to the ``payment.*`` entries on the payment. ``message``: a
    message id and its values, shown in the reader's language (applications/timeline.py)."""
    applications.application_event_add(
        application=payment.application, kind="payment", message=message, actor=actor or "system"
    )


def ledger(
    payment: Payment, kind: str, *, actor: Actor = None, amount: int | None = None, **data: Any
) -> None:
    """An entry of the append-only payment ledger (``PaymentEvent``)."""
    PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        amount=amount,
        actor=user_or_none(actor),
        data=data,
    )


def staff_can(user: User, payment: HasProcedure, roles: Collection[str]) -> bool:
    """Whether a staff member in one of ``roles`` covers the payment's (or application's)
    procedure — its department, or the whole organization."""
    procedure = payment.procedure
    return bool(getattr(user, "is_superuser", False)) or StaffScope.of(user).covers(
        organization_id=procedure.organization_id, department_id=procedure.department_id, roles=roles
    )


def announce(payment: Payment, *, actor: Actor) -> None:
    """The fee is payable now: the amount and the deadline on the timeline, and the applicant
    is asked to pay (``payment.requested``)."""
    timeline(
        payment,
        Line(
            gettext_noop("手数料は%(amount)s円です。%(due)sまでにお支払いください。"),
            amount=f"{payment.amount:,}",
            due=day(payment.due_on) if payment.due_on else "",
        ),
        actor=actor,
    )
    notify.notify_applicant(payment, "payment.requested")
