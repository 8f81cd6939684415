from __future__ import annotations

from celery import shared_task


@shared_task(name="payments.daily", acks_late=True)
def payments_daily() -> dict[str, int]:
    """Reminders before the deadline, expiry after it (safe to run twice)."""
    from madoguchi.payments.services import payments_expire_sweep

    return payments_expire_sweep()


@shared_task(name="payments.sandbox_deliver", acks_late=True)
def sandbox_deliver() -> int:
    """The sandbox PSP delivers the webhooks it owes (late, twice, newest first)."""
    from django.conf import settings

    if "sandbox" not in settings.PAYMENT_PROVIDERS:
        return 0
    from madoguchi.payments.providers.sandbox import deliver_due

    return deliver_due()
