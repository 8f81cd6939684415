"""Personal data in reservations when an account closes and when its retention time has passed.

``reservations_close_account``: closing an account (retention/closure.py) cancels the person's
future bookings — the places go back to the slot, or to a lottery's waiting list — withdraws
their entries in lotteries not yet drawn and clears what they typed into those. No notice is
sent: the address is being removed, and the person asked for it.

``reservations_purge``: the daily retention run (retention/services.py) anonymizes bookings
whose slot ended, and lottery entries whose nights have passed, more than
``RESERVATIONS_RETENTION_DAYS`` ago: the person and what they typed go, the row stays with its
resource, slot, status and dates, so counts (visits, no-shows) stay exact.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.reservations.constants import ACTIVE, BookingStatus, EntryStatus, LotteryStatus
from madoguchi.reservations.models import Booking, LotteryEntry, Slot
from madoguchi.reservations.services.common import add_places, booking_snapshot


def reservations_close_account(*, user: User, now: dt.datetime | None = None) -> dict[str, int]:
    """Cancel ``user``'s future bookings and withdraw their open lottery entries (see above)."""
    from madoguchi.reservations.services.lotteries import offer_to_waitlist

    now = now or timezone.now()
    counts = {"bookings_cancelled": 0, "lottery_entries_withdrawn": 0}
    with transaction.atomic():
        future = list(
            Booking.objects.filter(user=user, status__in=ACTIVE, slot__starts_at__gt=now)
            .order_by("slot_id")
            .values_list("pk", "slot_id")
        )
        for booking_id, slot_id in future:
            slot = Slot.objects.select_for_update().select_related("resource").get(pk=slot_id)
            booking = Booking.objects.select_for_update().get(pk=booking_id)
            if booking.status not in ACTIVE:
                continue
            before = booking_snapshot(booking)
            add_places(slot, -booking.places)
            booking.status = BookingStatus.CANCELLED
            booking.cancelled_at = now
            booking.data = {}
            booking.save(update_fields=["status", "cancelled_at", "data", "updated_at"])
            LotteryEntry.objects.filter(booking=booking).update(status=EntryStatus.DECLINED, updated_at=now)
            audit_record(
                actor=user,
                action="reservation.booking.cancelled",
                target=booking,
                before=before,
                after={**booking_snapshot(booking), "reason": "account_closed"},
            )
            counts["bookings_cancelled"] += 1
            if slot.lottery_id:
                offer_to_waitlist(slot=slot, now=now)
        entries = LotteryEntry.objects.select_for_update().filter(
            user=user, status=EntryStatus.ENTERED, lottery__status=LotteryStatus.OPEN
        )
        for entry in entries:
            entry.status = EntryStatus.WITHDRAWN
            entry.data = {}
            entry.save(update_fields=["status", "data", "updated_at"])
            audit_record(
                actor=user,
                action="reservation.lottery.withdrawn",
                target=entry,
                after={"status": entry.status, "reason": "account_closed"},
            )
            counts["lottery_entries_withdrawn"] += 1
        # Waiting-list places are no use to a closed account.
        counts["lottery_entries_withdrawn"] += LotteryEntry.objects.filter(
            user=user, status=EntryStatus.WAITLISTED
        ).update(status=EntryStatus.WITHDRAWN, data={}, waitlist_position=None, updated_at=now)
    return counts


def reservations_purge(*, now: dt.datetime | None = None, days: int | None = None) -> dict[str, int]:
    """Anonymize bookings and lottery entries past their retention time (see above)."""
    now = now or timezone.now()
    days = settings.RESERVATIONS_RETENTION_DAYS if days is None else days
    limit = now - dt.timedelta(days=days)
    with transaction.atomic():
        bookings = Booking.objects.filter(slot__ends_at__lt=limit).filter(
            Q(user__isnull=False) | ~Q(data={}) | ~Q(idempotency_key="")
        )
        booking_count = bookings.update(user=None, data={}, idempotency_key="", updated_at=now)
        entries = LotteryEntry.objects.filter(first_choice__ends_at__lt=limit).filter(
            Q(user__isnull=False) | ~Q(data={})
        )
        entry_count = entries.update(user=None, data={}, updated_at=now)
        if booking_count or entry_count:
            audit_record(
                actor="retention",
                action="reservation.purged",
                target="reservations",
                after={"bookings": booking_count, "lottery_entries": entry_count, "days": days},
            )
    return {"bookings anonymized": booking_count, "lottery entries anonymized": entry_count}
