"""Notification events of payments: the applicant is told what to pay and by when, reminded,
and told when the payment is confirmed; staff are told when a refund waits for their approval."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from madoguchi.notifications.events import EventType, register_event

_P = ("reference_number", "procedure_title", "amount", "due_on", "payment_url")
_SAMPLE = {
    "reference_number": "SHJ-2026-000123",
    "procedure_title": "住民票の写しの請求（郵送）",
    "amount": "300",
    "due_on": "2026年12月17日",
    "payment_url": "https://madoguchi.example.jp/payments/…/",
}

register_event(
    EventType(
        id="payment.requested",
        label=_("手数料のお支払いのお願い"),
        placeholders=_P,
        subject={
            "ja": "【手数料のお支払い】{{ procedure_title }}（{{ reference_number }}）",
            "en": "Fee to pay: {{ procedure_title }} ({{ reference_number }})",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ procedure_title }}（受付番号 {{ reference_number }}）の手数料は "
            "{{ amount }} 円です。{{ due_on }} までにお支払いください。\n{{ payment_url }}",
            "en": "Dear {{ recipient_name }},\n\nThe fee for {{ procedure_title }} ({{ reference_number }}) is "
            "{{ amount }} yen. Please pay by {{ due_on }}.\n{{ payment_url }}",
        },
        sample=_SAMPLE,
    )
)
register_event(
    EventType(
        id="payment.reminder",
        label=_("手数料の納付期限が近づいています"),
        placeholders=_P,
        subject={
            "ja": "【納付期限が近づいています】{{ procedure_title }}",
            "en": "Payment due soon: {{ procedure_title }}",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ procedure_title }}（受付番号 {{ reference_number }}）の手数料 "
            "{{ amount }} 円の納付期限は {{ due_on }} です。\n{{ payment_url }}",
            "en": "Dear {{ recipient_name }},\n\nThe fee of {{ amount }} yen for {{ procedure_title }} "
            "({{ reference_number }}) is due on {{ due_on }}.\n{{ payment_url }}",
        },
        sample=_SAMPLE,
    )
)
register_event(
    EventType(
        id="payment.paid",
        label=_("手数料の納付を確認しました"),
        placeholders=_P,
        subject={
            "ja": "【納付を確認しました】{{ procedure_title }}",
            "en": "Payment received: {{ procedure_title }}",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ procedure_title }}（受付番号 {{ reference_number }}）の手数料 "
            "{{ amount }} 円の納付を確認しました。領収書はこちらから開けます。\n{{ payment_url }}",
            "en": "Dear {{ recipient_name }},\n\nWe received {{ amount }} yen for {{ procedure_title }} "
            "({{ reference_number }}). Your receipt is here:\n{{ payment_url }}",
        },
        sample=_SAMPLE,
    )
)
register_event(
    EventType(
        id="payment.closed_unpaid",
        label=_("納付期限を過ぎたため申請を終了しました"),
        placeholders=_P,
        subject={
            "ja": "【申請を終了しました】{{ procedure_title }}（{{ reference_number }}）",
            "en": "Application closed: {{ procedure_title }} ({{ reference_number }})",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ procedure_title }}（受付番号 {{ reference_number }}）の手数料 "
            "{{ amount }} 円のお支払いを納付期限 {{ due_on }} までに確認できなかったため、この申請は終了しました。"
            "\n必要な場合は、もう一度申請してください。\n{{ payment_url }}",
            "en": "Dear {{ recipient_name }},\n\nWe did not receive the fee of {{ amount }} yen for "
            "{{ procedure_title }} ({{ reference_number }}) by {{ due_on }}, so the application has been closed."
            "\nIf you still need it, please apply again.\n{{ payment_url }}",
        },
        sample=_SAMPLE,
    )
)
register_event(
    EventType(
        id="payment.refund_waiting",
        label=_("還付の承認待ち（職員）"),
        placeholders=("reference_number", "amount", "staff_url"),
        subject={
            "ja": "【承認待ち】還付 {{ reference_number }}",
            "en": "To approve: refund {{ reference_number }}",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n受付番号 {{ reference_number }} の還付 {{ amount }} 円が承認を待っています。\n"
            "{{ staff_url }}",
            "en": "Dear {{ recipient_name }},\n\nA refund of {{ amount }} yen for {{ reference_number }} waits for "
            "your approval.\n{{ staff_url }}",
        },
        sample={
            "reference_number": "SHJ-2026-000123",
            "amount": "300",
            "staff_url": "https://…/payments/staff/…",
        },
    )
)

register_event(
    EventType(
        id="payment.fee_to_decide",
        label=_("手数料の決定・減免の確認（職員）"),
        placeholders=("reference_number", "procedure_title", "task", "staff_url"),
        subject={
            "ja": "【手数料】{{ task }} {{ reference_number }}",
            "en": "Fee: {{ task }} {{ reference_number }}",
        },
        body={
            "ja": "{{ recipient_name }} 様\n\n{{ procedure_title }}（受付番号 {{ reference_number }}）: {{ task }}。"
            "承認の前にお願いします。\n{{ staff_url }}",
            "en": "Dear {{ recipient_name }},\n\n{{ procedure_title }} ({{ reference_number }}): {{ task }}. "
            "Please do it before the approval.\n{{ staff_url }}",
        },
        sample={
            "reference_number": "SHJ-2026-000123",
            "procedure_title": "住民票の写しの請求（郵送）",
            "task": "手数料の額を決めてください",
            "staff_url": "https://…/payments/staff/applications/…/fee/",
        },
    )
)


def staff_covering(payment: Any, roles: Any) -> list[Any]:
    """Active staff with one of ``roles`` whose grant covers the payment's procedure: granted for
    its department, for the whole organization (no department), or in an organization-wide
    role — the same rule as ``StaffScope.covers``, so nobody is told about a payment they
    cannot open."""
    from django.db.models import Q

    from madoguchi.accounts.models import Membership, User
    from madoguchi.accounts.permissions import ORG_WIDE_ROLES

    procedure = payment.procedure
    memberships = Membership.objects.filter(
        organization_id=procedure.organization_id, role__in=list(roles), user__is_active=True
    ).filter(
        Q(department__isnull=True)
        | Q(role__in=list(ORG_WIDE_ROLES))
        | Q(department_id=procedure.department_id)
    )
    return list(User.objects.filter(pk__in=memberships.values("user_id")).order_by("pk"))


def fee_reviewers(payment: Any) -> list[Any]:
    """Who decides a fee at review (or verifies a 減免): the reviewers of the procedure's
    department (or of the whole organization); the approvers when it has no reviewer."""
    from madoguchi.accounts.constants import Role

    for role in (Role.REVIEWER, Role.APPROVER):
        users = staff_covering(payment, {role})
        if users:
            return users
    return []


def notify_fee_to_decide(payment: Any) -> None:
    """Staff are told (mailbox and e-mail, after commit) that an application's fee waits for
    them: its amount is decided at review, or a 減免 needs their check. Once per payment."""
    from madoguchi.notifications.constants import ChannelKind
    from madoguchi.notifications.services import notification_enqueue

    if payment.amount is None:
        task, url_name = gettext("手数料の額を決めてください"), "payments:fee_decide"
        arg = payment.application_id
    else:
        task = gettext("減免（%(label)s）を確認してください") % {"label": payment.reduction_label}
        url_name, arg = "payments:staff_payment", payment.pk
    for user in fee_reviewers(payment):
        notification_enqueue(
            recipient=user,
            event="payment.fee_to_decide",
            organization=payment.organization,
            context={
                "reference_number": payment.application.reference_number,
                "procedure_title": payment.procedure.title,
                "task": task,
                "staff_url": settings.SITE_URL + reverse(url_name, args=[arg]),
            },
            dedupe_key=f"payment:{payment.pk}:to_decide",
            channels=(ChannelKind.MAILBOX, ChannelKind.EMAIL),
            department_id=payment.procedure.department_id,
        )


def notify_applicant(payment: Any, event: str) -> None:
    """Outbox rows in the caller's transaction (sent after commit); once per payment and event."""
    from madoguchi.notifications.services import notification_enqueue

    application = payment.application
    notification_enqueue(
        recipient=payment.applicant,
        event=event,
        organization=payment.organization,
        context={
            "reference_number": application.reference_number,
            "procedure_title": payment.procedure.title,
            "amount": f"{payment.amount or 0:,}",
            "due_on": payment.due_on.strftime("%Y年%-m月%-d日") if payment.due_on else "",
            "payment_url": settings.SITE_URL + reverse("payments:pay", args=[payment.pk]),
        },
        dedupe_key=f"payment:{payment.pk}:{event}",
        department_id=payment.procedure.department_id,
    )


def notify_refund_waiting(refund: Any, approvers: list[Any]) -> None:
    from madoguchi.notifications.constants import ChannelKind
    from madoguchi.notifications.services import notification_enqueue

    payment = refund.payment
    url = settings.SITE_URL + reverse("payments:staff_payment", args=[payment.pk])
    for user in approvers:
        notification_enqueue(
            recipient=user,
            event="payment.refund_waiting",
            organization=payment.organization,
            context={
                "reference_number": payment.application.reference_number,
                "amount": f"{refund.amount:,}",
                "staff_url": url,
            },
            dedupe_key=f"refund:{refund.pk}",
            channels=(ChannelKind.MAILBOX, ChannelKind.EMAIL),
            department_id=payment.procedure.department_id,
        )
