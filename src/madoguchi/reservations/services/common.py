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
from madoguchi.core import hotpath
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.validation import clean_fields
from madoguchi.reservations.constants import ACTIVE, CODE_ALPHABET, CODE_LENGTH
from madoguchi.reservations.models import Booking, Resource, Slot
from madoguchi.reservations.selectors import (
    FULL_FLAG_TTL,
    full_flag_key,
    remember_places_left,
    slot_hint_writes,
)


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


def take_places(slot: Slot, places: int, *, tell_after_commit: bool = True) -> int | None:
    """Take ``places`` on the slot if they are free and it is not stopped: one conditional
    UPDATE … RETURNING, so the slot row is locked only from here to the COMMIT (a booking rush
    serializes on this row). Returns the new booked count, or None when there was no room.

    Runs inside ``audit_batch()``: the caller's held-back audit entry is written in the same
    statement as the UPDATE (``audit_batch_write_after``), so nothing but the COMMIT follows
    the lock.

    After the commit the waiting room is told the places left (and that the slot is full):
    ``selectors.slot_hint_writes``; ``tell_after_commit=False`` when the caller sends them
    with its own after-commit writes (``booking_create``: with the notice gate, one round trip)."""
    connection = hotpath.own()

    table = connection.ops.quote_name(Slot._meta.db_table)
    row = audit_batch_write_after(
        f"UPDATE {table} SET booked_count = booked_count + %s "  # noqa: S608 - our own table name
        "WHERE id = %s AND booked_count + %s <= capacity AND NOT is_blocked RETURNING booked_count",
        [places, slot.pk, places],
    )
    if row is None:
        return None
    slot.booked_count = row[0]
    if tell_after_commit:
        writes = slot_hint_writes(slot)

        def tell() -> None:
            for write in writes:
                cache.set(*write)

        transaction.on_commit(tell)
    return slot.booked_count


def create_booking_row(**fields: Any) -> Booking:
    """Insert a booking with a fresh unique check-in code (retry on the rare collision).

    ``noticed_at`` defaults to now (the caller writes its notice in the same transaction);
    pass ``noticed_at=None`` when the notice follows after commit (``booking_create``).

    On PostgreSQL and SQLite one ``INSERT … ON CONFLICT (code) DO NOTHING`` written out once
    (``core.hotpath.insert_unless_taken``, decision 0029): a taken code writes nothing and the
    next is tried in the same transaction, so no savepoint is needed around each attempt (the
    savepoint and the ORM's build of the INSERT were ≈ 10 % of a booking POST's CPU,
    docs/performance.md "Booking POST, sixth session"). Elsewhere each attempt is a
    ``create()`` in a savepoint. Another constraint's violation raises ``IntegrityError``."""
    from django.db import IntegrityError
    from django.utils import timezone

    connection = hotpath.own()

    fields.setdefault("noticed_at", timezone.now())
    if hotpath.can_insert_unless_taken(Booking, connection):
        for _attempt in range(5):
            booking = Booking(code=new_code(), **fields)
            if hotpath.insert_unless_taken(booking, connection, unique=("code",)):
                return booking
        raise RuntimeError("could not find a free check-in code")

    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Booking.objects.create(code=new_code(), **fields)
        except IntegrityError as exc:
            if "code" not in str(exc).lower():
                raise
    raise RuntimeError("could not find a free check-in code")


def lock_person(user: User) -> None:
    """Lock the person's row until the transaction ends (serializes one person's parallel
    attempts, for the per-person limit): ``User.objects.select_for_update().filter(pk=…)
    .first()`` written out once. Nothing where rows cannot be locked (SQLite: its writers are
    serialized already, and the ORM's select_for_update is a plain SELECT there)."""
    connection = hotpath.own()

    if not connection.features.has_select_for_update:
        return
    sql = _LOCK_PERSON.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        meta = User._meta
        key = quote(meta.pk.column or "id")
        sql = _LOCK_PERSON[connection.vendor] = (
            f"SELECT {key} FROM {quote(meta.db_table)} WHERE {key} = %s FOR UPDATE"  # noqa: S608 - our own names
        )
    cursor = hotpath.cursor(connection)
    cursor.execute(sql, [user.pk])
    cursor.fetchall()


_LOCK_PERSON: dict[str, str] = {}
_OWN_BOOKINGS: dict[tuple[str, bool], str] = {}


def own_bookings(*, user: User, resource: Resource, now: Any, key: str) -> list[Booking]:
    """The person's active bookings of ``resource`` whose slot has not ended, and the booking
    with the idempotency ``key`` (when given), each with its slot:

        Booking.objects.filter(Q(user=user) & (Q(resource=resource, status__in=ACTIVE,
            slot__ends_at__gte=now) | Q(idempotency_key=key))).select_related("slot")

    written out once per process (``core/hotpath.py``, decision 0029): every booking POST runs
    it, and the ORM's build of it was the largest single cost of the POST's service (≈ 20 %
    of its CPU, docs/performance.md "Booking POST, sixth session").
    ``reservations/tests/services/test_booking_post_statements.py`` holds it to that queryset.
    A separate statement from ``lock_person``'s on purpose: at READ COMMITTED one statement
    sees the rows committed before it started, so a read in the locking statement could miss
    the booking of the attempt whose lock it waited for."""
    connection = hotpath.own()

    columns = hotpath.related_columns(Booking, ("slot",), connection)
    sql = _OWN_BOOKINGS.get((connection.vendor, bool(key)))
    if sql is None:
        column = columns.column
        statuses = ", ".join(["%s"] * len(ACTIVE))
        wanted = (
            f"({column('', 'resource_id')} = %s AND {column('', 'status')} IN ({statuses}) "
            f"AND {column('slot', 'ends_at')} >= %s)"
        )
        if key:
            wanted = f"({wanted} OR {column('', 'idempotency_key')} = %s)"
        sql = _OWN_BOOKINGS[(connection.vendor, bool(key))] = (
            f"{columns.sql} WHERE {column('', 'user_id')} = %s AND {wanted} "
            f"ORDER BY {column('slot', 'starts_at')}, {column('', 'created_at')}"
        )
    ends_at = Slot._meta.get_field("ends_at")
    params: list[Any] = [user.pk, resource.pk, *(str(s) for s in ACTIVE)]
    params.append(ends_at.get_db_prep_value(now, connection))
    if key:
        params.append(key)
    cursor = hotpath.cursor(connection)
    cursor.execute(sql, params)
    found = []
    for row in cursor.fetchall():
        booking = columns.instance(row, connection)
        assert isinstance(booking, Booking)
        found.append(booking)
    return found
