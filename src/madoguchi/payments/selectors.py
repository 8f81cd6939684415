"""Reads for the payments screens, the exports and the KPI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404

from madoguchi.accounts.constants import Role
from madoguchi.accounts.permissions import ORG_WIDE_ROLES, StaffScope
from madoguchi.accounts.types import User, Viewer
from madoguchi.payments.constants import CASHLESS, LineOutcome, Method, PaymentStatus, RefundStatus
from madoguchi.payments.models import CollectionImport, CollectionLine, Payment, Refund
from madoguchi.procedures.constants import FeeKind

STAFF_ROLES = {Role.COUNTER, Role.REVIEWER, Role.APPROVER, Role.CENTRE, Role.OWNER, Role.AUDITOR, Role.ADMIN}


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def access_payment(*, user: User, payment_id: uuid.UUID | str) -> Payment:
    """The applicant's own payment (404 for anyone else's)."""
    payment = (
        Payment.objects.select_related("application", "procedure", "organization")
        .filter(pk=_uuid(payment_id), applicant_id=getattr(user, "pk", None))
        .first()
    )
    if payment is None:
        raise Http404
    return payment


def payment_of_application(application: Any) -> Payment | None:
    return Payment.objects.filter(application=application).select_related("procedure").first()


# The question a lower app (review: the 受験票) asks about an application's fee without importing
# payments: ``events.emit(FEE_STATUS, application=…, answers=[])`` — payments appends one
# ``fee_status`` dict (nothing for an application without a fee).
FEE_STATUS = "fee.status"


def fee_status(application: Any) -> dict[str, Any] | None:
    """What an application owes, for other apps' pages: ``owed`` (money still to come, the
    applicant can or will be able to pay), ``settled`` (paid, waived in full, refunded or
    cancelled — nothing more will come), the payment's ``status``, ``amount`` (yen; None until
    decided), ``due_on``, ``gate``, ``known_at_submission`` (the application's own fee was fixed
    when it was sent — also × 部数 and whatever 減免 left — not one the reviewer decides: what
    the procedure's fee setting says now does not change it) and ``pay_url`` (the applicant's
    payment page). None when the application has no fee."""
    from django.urls import reverse

    payment = (
        Payment.objects.filter(application_id=getattr(application, "pk", application))
        .select_related("schedule")
        .first()
    )
    if payment is None:
        return None
    settled = payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.CANCELLED)
    return {
        "owed": payment.status in (PaymentStatus.AWAITING_AMOUNT, PaymentStatus.PAYABLE),
        "settled": settled,
        "status": payment.status,
        "amount": payment.amount,
        "due_on": payment.due_on,
        "gate": payment.gate,
        "known_at_submission": _known_at_submission(payment),
        "pay_url": reverse("payments:pay", args=[payment.pk]),
    }


def _known_at_submission(payment: Payment) -> bool:
    """The fee the application was sent under (its version's frozen schedule) was fixed, not
    decided after review; a payment from before schedules: no reviewer set its amount."""
    if payment.schedule is not None:
        return (payment.schedule.terms or {}).get("kind") == FeeKind.FIXED
    return payment.decided_by_id is None and payment.unit_amount is not None


def on_fee_status(*, application: Any, answers: list[dict[str, Any]], **kwargs: Any) -> None:
    """The ``fee.status`` hook: answer with ``fee_status`` (see FEE_STATUS)."""
    status = fee_status(application)
    if status is not None:
        answers.append(status)


def staff_organization_ids(user: Viewer) -> set[int] | None:
    """Organizations whose payments the staff member sees (None: all, for superusers)."""
    if getattr(user, "is_superuser", False):
        return None
    return StaffScope.of(user).organization_ids(STAFF_ROLES)


def staff_scope(user: Viewer, roles: set[str] | frozenset[str] = frozenset(STAFF_ROLES)) -> Q | None:
    """The payments a staff member may see, as a filter (None: all, for superusers): those of
    the procedures of their department — or of the whole organization for a grant without a
    department or of an organization-wide role (the same rule as ``StaffScope.covers``)."""
    if getattr(user, "is_superuser", False):
        return None
    scope = Q(pk__in=[])
    for grant in StaffScope.of(user).grants:
        if grant.role not in roles:
            continue
        if grant.department_id is None or grant.role in ORG_WIDE_ROLES:
            scope |= Q(organization_id=grant.organization_id)
        else:
            scope |= Q(organization_id=grant.organization_id, procedure__department_id=grant.department_id)
    return scope


def staff_payments(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[Payment]:
    """The payments of the staff member's organization, department and role, filtered."""
    filters = filters or {}
    qs = Payment.objects.select_related("application", "procedure", "organization").order_by("-created_at")
    scope = staff_scope(user)
    if scope is not None:
        qs = qs.filter(scope)
    status = filters.get("status")
    if status == "problems":  # failed checkouts, expired, paid twice, or paid for a closed application
        qs = qs.filter(
            Q(status=PaymentStatus.EXPIRED)
            | Q(attempts__status="failed")
            | Q(events__data__duplicate=True)
            | Q(status=PaymentStatus.PAID, paid_amount__gt=0, application__status="withdrawn")
        ).distinct()
    elif status == "refund_waiting":
        qs = qs.filter(refunds__status=RefundStatus.REQUESTED).distinct()
    elif status in PaymentStatus.values:
        qs = qs.filter(status=status)
    if filters.get("procedure"):
        qs = qs.filter(procedure_id=filters["procedure"])
    if filters.get("since"):
        qs = qs.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(created_at__date__lte=filters["until"])
    if filters.get("q"):
        q = str(filters["q"]).strip()
        qs = qs.filter(Q(application__reference_number__icontains=q) | Q(customer_number=q))
    return qs


def refunds_to_approve(*, user: User, limit: int = 20) -> list[Refund]:
    """Refunds waiting for this staff member's approval (自分の仕事): requested by someone else
    (four eyes) for a payment their approver's grant covers, oldest first."""
    from madoguchi.payments.services.refunds import APPROVE_ROLES

    refunds = (
        Refund.objects.filter(status=RefundStatus.REQUESTED)
        .exclude(requested_by_id=getattr(user, "pk", None))
        .select_related("payment__application", "payment__procedure", "requested_by")
        .order_by("requested_at", "pk")
    )
    scope = staff_scope(user, roles=frozenset(APPROVE_ROLES))
    if scope is not None:
        refunds = refunds.filter(payment__in=Payment.objects.filter(scope).values("pk"))
    return list(refunds[:limit])


def access_staff_payment(*, user: User, payment_id: uuid.UUID | str) -> Payment:
    payment = staff_payments(user=user).filter(pk=_uuid(payment_id)).first()
    if payment is None:
        raise Http404
    return payment


def daily_totals(*, user: User, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
    """Paid money per day, procedure and 歳入科目 (収入調定), net of refunds."""
    qs = staff_payments(user=user).filter(paid_at__isnull=False)
    if since:
        qs = qs.filter(paid_at__date__gte=since)
    if until:
        qs = qs.filter(paid_at__date__lte=until)
    return [
        dict(row)
        for row in qs.annotate(day=TruncDate("paid_at"))
        .values("day", "procedure__title", "revenue_code", "revenue_name")
        .annotate(count=Count("id"), paid=Sum("paid_amount"), refunded=Sum("refunded_amount"))
        .annotate(net=F("paid") - F("refunded"))
        .order_by("-day", "procedure__title")
    ]


@dataclass(frozen=True)
class CashlessRatio:
    cashless: int
    total: int

    @property
    def ratio(self) -> float | None:
        return self.cashless / self.total if self.total else None


def cashless_ratio(
    *, organization_ids: set[int] | None = None, since: date | None = None, until: date | None = None
) -> CashlessRatio:
    """KPI キャッシュレス比率: cashless payments ÷ all payments (cash recorded by counter staff);
    a fee waived in full (減免, nothing paid) is no payment."""
    qs = Payment.objects.filter(paid_at__isnull=False).exclude(method=Method.EXEMPT)
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=organization_ids)
    if since:
        qs = qs.filter(paid_at__date__gte=since)
    if until:
        qs = qs.filter(paid_at__date__lte=until)
    counts = qs.aggregate(total=Count("id"), cashless=Count("id", filter=Q(method__in=list(CASHLESS))))
    return CashlessRatio(cashless=counts["cashless"] or 0, total=counts["total"] or 0)


EXPORT_HEADER = [
    "受付番号",
    "手続",
    "歳入科目コード",
    "歳入科目",
    "調定額",
    "納付額",
    "還付額",
    "状態",
    "納付日",
    "納付方法",
    "お客様番号",
]


def export_rows(*, user: User, filters: dict[str, Any] | None = None) -> list[list[Any]]:
    """Rows for the accounting system (収入調定): one per payment."""
    rows = []
    for p in staff_payments(user=user, filters=filters).iterator(chunk_size=500):
        rows.append(
            [
                p.application.reference_number,
                p.procedure.title,
                p.revenue_code,
                p.revenue_name,
                p.amount if p.amount is not None else "",
                p.paid_amount,
                p.refunded_amount,
                p.status_label,
                p.paid_at.date().isoformat() if p.paid_at else "",
                p.get_method_display() if p.method else "",
                p.customer_number,
            ]
        )
    return rows


def collection_imports(*, user: User) -> QuerySet[CollectionImport]:
    qs = CollectionImport.objects.select_related("imported_by").order_by("-imported_at")
    orgs = staff_organization_ids(user)
    return qs if orgs is None else qs.filter(organization_id__in=orgs)


def access_collection(*, user: User, collection_id: int) -> CollectionImport:
    collection = collection_imports(user=user).filter(pk=collection_id).first()
    if collection is None:
        raise Http404
    return collection


def lines_for_action(collection: CollectionImport) -> QuerySet[CollectionLine]:
    return collection.lines.exclude(outcome=LineOutcome.MATCHED).select_related("payment__application")
