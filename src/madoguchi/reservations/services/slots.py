"""Slots from opening hours, blocks by staff and ad-hoc closures."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.reservations import rules
from madoguchi.reservations.constants import ACTIVE
from madoguchi.reservations.models import Closure, Resource, Slot
from madoguchi.reservations.selectors import check_staff


def slots_generate(*, resource: Resource, start: dt.date, end: dt.date, actor: User | None = None) -> int:
    """Create the slots of ``start``..``end`` (inclusive) from the opening hours; skip closed days.

    Idempotent: existing slots are left as they are. Returns the number of new slots.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        check_staff(actor, resource)
    closures = dict(
        Closure.objects.filter(resource=resource, date__range=(start, end)).values_list("date", "reason")
    )
    new: list[Slot] = []
    day = start
    while day <= end:
        if rules.closed_reason(resource, day, closures) is None:
            for starts_at, ends_at in rules.slot_times(resource, day):
                new.append(
                    Slot(resource=resource, starts_at=starts_at, ends_at=ends_at, capacity=resource.capacity)
                )
        day += dt.timedelta(days=1)
    with transaction.atomic():
        existing = set(
            Slot.objects.filter(resource=resource, starts_at__in=[s.starts_at for s in new]).values_list(
                "starts_at", flat=True
            )
        )
        fresh = [s for s in new if s.starts_at not in existing]
        Slot.objects.bulk_create(fresh, ignore_conflicts=True)
        if fresh:
            audit_record(
                actor=actor or "system",
                action="reservation.slots.generated",
                target=resource,
                after={"from": start.isoformat(), "to": end.isoformat(), "created": len(fresh)},
            )
    return len(fresh)


def slot_block(*, slot: Slot, actor: User, reason: str = "") -> Slot:
    """Stop new bookings for a slot. Existing bookings stay; staff contact those people."""
    check_staff(actor, slot.resource)
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("resource").get(pk=slot.pk)
        slot.is_blocked = True
        slot.block_reason = (reason or "")[:200]
        slot.save(update_fields=["is_blocked", "block_reason"])
        audit_record(
            actor=actor, action="reservation.slot.blocked", target=slot, after={"reason": slot.block_reason}
        )
    return slot


def slot_unblock(*, slot: Slot, actor: User) -> Slot:
    check_staff(actor, slot.resource)
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("resource").get(pk=slot.pk)
        slot.is_blocked = False
        slot.block_reason = ""
        slot.save(update_fields=["is_blocked", "block_reason"])
        audit_record(actor=actor, action="reservation.slot.unblocked", target=slot)
    return slot


def closure_add(*, resource: Resource, date: dt.date, actor: User, reason: str = "") -> tuple[Closure, int]:
    """Close a resource for a day (臨時休業): block that day's slots. Returns (closure, bookings affected)."""
    check_staff(actor, resource)
    with transaction.atomic():
        closure, created = Closure.objects.get_or_create(
            resource=resource, date=date, defaults={"reason": reason[:200]}
        )
        if not created:
            raise DomainError(_("この日はすでに休業日として登録されています。"), code="duplicate")
        tz = rules.local_tz()
        start = dt.datetime.combine(date, dt.time.min, tzinfo=tz)
        slots = Slot.objects.filter(
            resource=resource, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
        slots.update(is_blocked=True, block_reason=reason[:200] or str(_("臨時休業")))
        affected = sum(s.bookings.filter(status__in=ACTIVE).count() for s in slots)
        audit_record(
            actor=actor,
            action="reservation.closure.added",
            target=closure,
            after={
                "resource": resource.pk,
                "date": date.isoformat(),
                "reason": reason[:200],
                "bookings_affected": affected,
            },
        )
    return closure, affected
