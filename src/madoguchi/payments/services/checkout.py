"""Paying online: a checkout at a provider, and the provider's events applied exactly once.

Both the webhook and the applicant's return call ``payment_apply_event``. A provider event
already in the ledger (a redelivery, the return after the webhook) is recognised by its id
with one read, before any lock is taken; otherwise the payment row is locked and the
provider's event id is unique in the ledger, so a webhook delivered twice, late, out of order,
or racing the return changes the state once. A forged webhook is refused by the provider's
signature check before anything is read. A checkout request repeated with the same
idempotency key (a double click, a retry) is answered from a read too.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.types import Actor, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.payments.constants import AttemptStatus, EventKind, Method, PaymentStatus
from madoguchi.payments.models import Payment, PaymentAttempt, PaymentEvent, Refund
from madoguchi.payments.providers import enabled_ids, get_provider
from madoguchi.payments.providers.base import (
    EXPIRED,
    FAILED,
    REFUNDED,
    SUCCEEDED,
    CheckoutRequest,
    ProviderError,
    ProviderEvent,
)
from madoguchi.payments.services._common import ledger
from madoguchi.payments.services.fees import terms_of_payment
from madoguchi.payments.services.settlement import mark_paid

logger = logging.getLogger(__name__)


def providers_for(payment: Payment) -> list[str]:
    allowed = terms_of_payment(payment).providers
    return [p for p in enabled_ids() if not allowed or p in allowed]


def checkout_start(
    *, user: User, payment_id: uuid.UUID | str, provider_id: str, idempotency_key: str, base_url: str = ""
) -> PaymentAttempt:
    """Start (or, for the same key, find again) a checkout for the applicant's own payment.
    The amount is the payment's, never the request's. ``base_url``: where the provider sends
    the applicant back (the request's own origin; ``SITE_URL`` by default)."""
    if provider_id not in enabled_ids():
        raise DomainError(_("この支払方法は使えません。"), code="provider_unavailable", status=422)
    key = (idempotency_key or "")[:100] or None
    if key:
        # The same request again (a double click, a retry): answered from one read, no lock.
        known = (
            PaymentAttempt.objects.filter(
                payment_id=payment_id,
                payment__applicant_id=getattr(user, "pk", None),
                idempotency_key=key,
            )
            .exclude(redirect_url="")
            .first()
        )
        if known is not None:
            return known
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("procedure", "application")
            .filter(pk=payment_id, applicant_id=getattr(user, "pk", None))
            .first()
        )
        if payment is None:
            raise Http404
        if provider_id not in providers_for(payment):
            raise DomainError(_("この支払方法は使えません。"), code="provider_unavailable", status=422)
        existing = (
            PaymentAttempt.objects.filter(payment=payment, idempotency_key=key).first() if key else None
        )
        if existing and existing.redirect_url:
            return existing  # the same request again (a double click, a retry)
        if payment.status == PaymentStatus.PAID:
            raise DomainError(_("この手数料はお支払い済みです。"), code="already_paid")
        if payment.status != PaymentStatus.PAYABLE or payment.amount is None:
            raise DomainError(_("この手数料は今はお支払いいただけません。"), code="not_payable")
        reusable = None if existing else _reusable_attempt(payment, provider_id)
        if reusable is not None:
            return reusable  # back from the hosted page, or a second tab: the same checkout
        if existing:
            attempt = existing  # created before a crash, the provider not reached yet
        else:
            attempt = PaymentAttempt(payment=payment, provider=provider_id, amount=payment.amount)
            attempt.idempotency_key = key or f"auto_{attempt.id}"
            attempt.provider_session_id = f"pending_{attempt.id}"
            attempt.save(force_insert=True)
            PaymentEvent.objects.create(
                payment=payment,
                attempt=attempt,
                kind=EventKind.CHECKOUT_STARTED,
                amount=payment.amount,
                provider=provider_id,
                actor=user,
            )
    # The provider is called outside the lock; its own idempotency key (the attempt's) makes a
    # retry after a crash here return the same session.
    base = (base_url or settings.SITE_URL).rstrip("/")
    return_url = base + reverse("payments:return", args=[payment.pk, attempt.pk])
    cancel_url = base + reverse("payments:pay", args=[payment.pk]) + "?cancelled=1"
    provider = get_provider(provider_id)
    try:
        start = provider.checkout_start(
            CheckoutRequest(
                payment_id=str(payment.pk),
                attempt_id=str(attempt.pk),
                amount=attempt.amount,
                description=f"{payment.procedure.title}（{payment.application.reference_number}）",
                return_url=return_url,
                cancel_url=cancel_url,
                idempotency_key=f"checkout_{attempt.pk}",
                email=getattr(user, "email", "") or "",
            )
        )
    except ProviderError as exc:
        logger.warning("checkout at %s failed: %s", provider_id, exc)
        raise DomainError(
            _("決済サービスに接続できませんでした。しばらくしてからもう一度お試しください。"),
            code="provider_unavailable",
            status=503,
        ) from exc
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        provider_session_id=start.session_id, redirect_url=start.redirect_url
    )
    attempt.provider_session_id, attempt.redirect_url = start.session_id, start.redirect_url
    audit_record(
        actor=user,
        action="payment.checkout_started",
        target=payment,
        after={"attempt": str(attempt.pk), "provider": provider_id, "amount": attempt.amount},
    )
    return attempt


# An open hosted checkout younger than this is offered again instead of a new one, so the
# back button or a second tab cannot start a second payment of the same fee.
REUSE_OPEN_CHECKOUT = timedelta(minutes=30)


def _reusable_attempt(payment: Payment, provider_id: str) -> PaymentAttempt | None:
    if payment.amount is None or not get_provider(provider_id).hosted:
        return None
    return (
        PaymentAttempt.objects.filter(
            payment=payment,
            provider=provider_id,
            status=AttemptStatus.OPEN,
            amount=payment.amount,
            created_at__gte=timezone.now() - REUSE_OPEN_CHECKOUT,
        )
        .exclude(redirect_url="")
        .order_by("-created_at")
        .first()
    )


def event_already_applied(provider_id: str, event_id: str) -> bool:
    """Whether this provider event is in the ledger already (one indexed read, no lock)."""
    return (
        bool(event_id)
        and PaymentEvent.objects.filter(provider=provider_id, provider_event_id=event_id).exists()
    )


def payment_apply_event(*, provider_id: str, event: ProviderEvent, actor: Actor = None) -> bool:
    """Apply one provider event exactly once; returns False when it changed nothing.

    A replay is recognised before anything is locked; two deliveries racing each other both
    pass that read, and then the payment's row lock and the ledger's unique event id let one
    of them through."""
    if event_already_applied(provider_id, event.event_id):
        return False
    with transaction.atomic():
        if event.type == REFUNDED:
            return _apply_refund_event(provider_id, event)
        attempt = (
            PaymentAttempt.objects.filter(provider=provider_id, provider_session_id=event.session_id)
            .select_related("payment")
            .first()
        )
        if attempt is None:
            logger.warning("%s event %s for an unknown session", provider_id, event.event_id)
            return False
        payment = (
            Payment.objects.select_for_update()
            .select_related("application", "procedure")
            .get(pk=attempt.payment_id)
        )
        attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        kind = {
            SUCCEEDED: EventKind.SUCCEEDED,
            FAILED: EventKind.FAILED,
            EXPIRED: EventKind.ATTEMPT_EXPIRED,
        }.get(event.type, EventKind.IGNORED)
        applies = attempt.status == AttemptStatus.OPEN and kind != EventKind.IGNORED
        if kind == EventKind.SUCCEEDED and event.amount != attempt.amount:
            applies = False  # never accept a different amount than the one we asked for
            kind = EventKind.IGNORED
        try:
            with transaction.atomic():
                PaymentEvent.objects.create(
                    payment=payment,
                    attempt=attempt,
                    kind=kind if applies else EventKind.IGNORED,
                    amount=event.amount,
                    provider=provider_id,
                    provider_event_id=event.event_id,
                    data={"type": event.type, "method": event.method, "attempt_status": attempt.status},
                )
        except IntegrityError:
            return False  # this event was applied before (a replay)
        if not applies:
            return False
        if kind == EventKind.SUCCEEDED:
            attempt.status = AttemptStatus.SUCCEEDED
            attempt.method = event.method if event.method in Method.values else Method.CARD
            attempt.save(update_fields=["status", "method", "updated_at"])
            if payment.status in (PaymentStatus.PAYABLE, PaymentStatus.EXPIRED):
                mark_paid(
                    payment,
                    amount=event.amount,
                    provider=provider_id,
                    method=attempt.method,
                    actor=actor,
                    attempt=str(attempt.pk),
                )
            else:
                # Paid twice (two tabs, a slip and a card): the money is kept on record and
                # shown to staff (the 要対応 list) for a refund.
                ledger(
                    payment, EventKind.IGNORED, amount=event.amount, duplicate=True, attempt=str(attempt.pk)
                )
                audit_record(
                    actor="system",
                    action="payment.paid_twice",
                    target=payment,
                    after={"attempt": str(attempt.pk), "amount": event.amount, "status": payment.status},
                )
        else:
            attempt.status = AttemptStatus.FAILED if kind == EventKind.FAILED else AttemptStatus.EXPIRED
            attempt.save(update_fields=["status", "updated_at"])
            audit_record(
                actor="system",
                action=f"payment.attempt_{attempt.status}",
                target=payment,
                after={"attempt": str(attempt.pk), "provider": provider_id},
            )
    return True


def _apply_refund_event(provider_id: str, event: ProviderEvent) -> bool:
    """A refund confirmed by the provider (usually after our refund call already succeeded)."""
    refund = Refund.objects.filter(provider_refund_id=event.refund_id).select_related("payment").first()
    if refund is None:
        return False
    try:
        with transaction.atomic():
            PaymentEvent.objects.create(
                payment=refund.payment,
                kind=EventKind.IGNORED,
                amount=-event.amount,
                provider=provider_id,
                provider_event_id=event.event_id,
                data={"type": event.type, "refund": str(refund.pk)},
            )
    except IntegrityError:
        return False
    return False  # recorded; the refund's state was set when the provider accepted it


def webhook_receive(*, provider_id: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """A provider's webhook: verified by the provider (raises WebhookRejected), then applied."""
    provider = get_provider(provider_id)
    event = provider.webhook_parse(body, headers)
    if event is None:
        return False
    return payment_apply_event(provider_id=provider_id, event=event)


def checkout_return(*, user: User, payment_id: uuid.UUID | str, attempt_id: uuid.UUID | str) -> Payment:
    """The applicant is back from the hosted page: ask the provider (the webhook may be late)."""
    attempt = (
        PaymentAttempt.objects.select_related("payment")
        .filter(pk=attempt_id, payment_id=payment_id, payment__applicant_id=getattr(user, "pk", None))
        .first()
    )
    if attempt is None:
        raise Http404
    if attempt.status == AttemptStatus.OPEN and not attempt.provider_session_id.startswith("pending_"):
        try:
            event = get_provider(attempt.provider).checkout_status(attempt.provider_session_id)
        except ProviderError:
            event = None  # the webhook will tell
        if event is not None:
            payment_apply_event(provider_id=attempt.provider, event=event, actor=user)
    return Payment.objects.select_related("application", "procedure").get(pk=attempt.payment_id)
