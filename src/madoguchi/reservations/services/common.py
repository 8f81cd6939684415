"""Small pieces shared by the reservation services."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from madoguchi.accounts.models import User
from madoguchi.audit.services import audit_batch_write_after
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.validation import clean_fields
from madoguchi.reservations.constants import CODE_ALPHABET, CODE_LENGTH
from madoguchi.reservations.models import Booking, Resource, Slot
from madoguchi.reservations.selectors import FULL_FLAG_TTL, full_flag_key, remember_places_left


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def booking_snapshot(booking: Booking) -> dict[str, Any]:
    return {
        "status": booking.status,
        "slot": booking.slot_id,
        "starts_at": booking.slot.starts_at.isoformat() if booking.slot_id else None,
        "party_size": booking.party_size,
        "places": booking.places,
    }


def clean_party_and_data(
    *, resource: Resource, user: User, party_size: Any, data: dict[str, Any] | None
) -> tuple[int, dict]:
    """Check party size and the resource's required information; every problem at once."""
    errors: dict[str, list[str]] = {}
    size = 0
    try:
        size = int(str(party_size).strip())
    except (TypeError, ValueError):
        errors["party_size"] = [_("人数を数字で入力してください。")]
    else:
        if size < 1 or size > resource.max_party_size:
            errors["party_size"] = [
                _("人数は1人から%(n)s人までで入力してください。") % {"n": resource.max_party_size}
            ]
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_fields(
            resource.required_fields or [], data or {}, context=ValidationContext(user=user)
        )
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    return size, cleaned


def add_places(slot: Slot, places: int) -> None:
    """Change booked_count in the database (the CheckConstraint refuses overbooking)."""
    Slot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + places)
    slot.booked_count += places
    transaction.on_commit(lambda: remember_places_left(slot))
    if slot.booked_count >= slot.capacity:
        key = full_flag_key(slot.pk)
        transaction.on_commit(lambda: cache.set(key, 1, FULL_FLAG_TTL))
    elif places < 0:
        key = full_flag_key(slot.pk)
        transaction.on_commit(lambda: cache.delete(key))


def take_places(slot: Slot, places: int) -> int | None:
    """Take ``places`` on the slot if they are free and it is not stopped: one conditional
    UPDATE … RETURNING, so the slot row is locked only from here to the COMMIT (a booking rush
    serializes on this row). Returns the new booked count, or None when there was no room.

    Runs inside ``audit_batch()``: the caller's held-back audit entry is written in the same
    statement as the UPDATE (``audit_batch_write_after``), so nothing but the COMMIT follows
    the lock."""
    from django.db import connection

    table = connection.ops.quote_name(Slot._meta.db_table)
    row = audit_batch_write_after(
        f"UPDATE {table} SET booked_count = booked_count + %s "  # noqa: S608 - our own table name
        "WHERE id = %s AND booked_count + %s <= capacity AND NOT is_blocked RETURNING booked_count",
        [places, slot.pk, places],
    )
    if row is None:
        return None
    slot.booked_count = row[0]
    transaction.on_commit(lambda: remember_places_left(slot))
    if slot.booked_count >= slot.capacity:
        key = full_flag_key(slot.pk)
        transaction.on_commit(lambda: cache.set(key, 1, FULL_FLAG_TTL))
    return slot.booked_count


def create_booking_row(**fields: Any) -> Booking:
    """Insert a booking with a fresh unique check-in code (retry on the rare collision).

    ``noticed_at`` defaults to now (the caller writes its notice in the same transaction);
    pass ``noticed_at=None`` when the notice follows after commit (``booking_create``)."""
    from django.db import IntegrityError
    from django.utils import timezone

    fields.setdefault("noticed_at", timezone.now())

    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Booking.objects.create(code=new_code(), **fields)
        except IntegrityError as exc:
            if "code" not in str(exc).lower():
                raise
    raise RuntimeError("could not find a free check-in code")
