import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.testing import make_resource, make_slot, make_user
from madoguchi.reservations.constants import BookingStatus
from madoguchi.reservations.models import Booking, Slot
from madoguchi.reservations.services import booking_create, slot_block

pytestmark = [pytest.mark.django_db(transaction=False)]
LOCMEM_MAIL = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")


@LOCMEM_MAIL
def test_booking_takes_places_writes_an_audit_entry_and_mails_after_commit(
    django_capture_on_commit_callbacks,
):
    slot = make_slot(capacity=5)
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(user=user, slot_id=slot.pk, party_size=3)
    slot.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.places, slot.booked_count) == (3, 3)
    assert len(booking.code) == 8
    assert AuditEntry.objects.filter(action="reservation.booking.created", target_id=str(booking.pk)).exists()
    assert len(mail.outbox) == 1
    assert booking.code_display in mail.outbox[0].body


def test_a_full_slot_refuses_with_a_full_error():
    slot = make_slot(capacity=1)
    booking_create(user=make_user(), slot_id=slot.pk)
    with pytest.raises(DomainError) as exc:
        booking_create(user=make_user(), slot_id=slot.pk)
    assert exc.value.code == "full"
    assert Booking.objects.filter(slot=slot).count() == 1


def test_party_size_counts_against_capacity_unless_the_resource_counts_bookings():
    rooms = make_resource(capacity=1, counts_party=False, max_party_size=6)
    slot = make_slot(rooms)
    booking = booking_create(user=make_user(), slot_id=slot.pk, party_size=5)
    assert booking.places == 1
    seats = make_slot(make_resource(capacity=3, max_party_size=4))
    with pytest.raises(DomainError) as exc:
        booking_create(user=make_user(), slot_id=seats.pk, party_size=4)
    assert exc.value.code == "full"


def test_submitting_twice_with_the_same_key_creates_one_booking():
    slot = make_slot(capacity=5)
    user = make_user()
    first = booking_create(user=user, slot_id=slot.pk, idempotency_key="k1")
    second = booking_create(user=user, slot_id=slot.pk, idempotency_key="k1")
    assert first.pk == second.pk
    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_the_same_person_cannot_hold_two_places_on_one_slot():
    slot = make_slot(capacity=5)
    user = make_user()
    booking_create(user=user, slot_id=slot.pk)
    with pytest.raises(DomainError) as exc:
        booking_create(user=user, slot_id=slot.pk)
    assert exc.value.code == "duplicate"


def test_per_person_limit_counts_active_future_bookings_of_the_resource():
    resource = make_resource(per_person_limit=1)
    user = make_user()
    booking_create(user=user, slot_id=make_slot(resource, starts_in_hours=30).pk)
    with pytest.raises(DomainError) as exc:
        booking_create(user=user, slot_id=make_slot(resource, starts_in_hours=60).pk)
    assert exc.value.code == "limit"
    assert "1件まで" in str(exc.value.message)


def test_booking_outside_the_window_is_refused_with_the_opening_time():
    resource = make_resource(opens_days_before=7, opens_at_time=dt.time(9, 0), closes_hours_before=24)
    far = make_slot(resource, starts_in_hours=24 * 20)
    with pytest.raises(DomainError) as exc:
        booking_create(user=make_user(), slot_id=far.pk)
    assert exc.value.code == "window_not_yet"
    assert "からです" in str(exc.value.message)
    soon = make_slot(resource, starts_in_hours=3)
    with pytest.raises(DomainError) as exc:
        booking_create(user=make_user(), slot_id=soon.pk)
    assert exc.value.code == "window_closed"


def test_blocked_slots_are_not_bookable():
    resource = make_resource()
    staff_org = resource.organization
    from madoguchi.core.testing import make_staff

    staff = make_staff(staff_org, role="counter")
    slot = slot_block(slot=make_slot(resource), actor=staff, reason="工事")
    with pytest.raises(DomainError) as exc:
        booking_create(user=make_user(), slot_id=slot.pk)
    assert exc.value.code == "blocked"


def test_required_information_is_validated_with_every_problem_at_once():
    resource = make_resource(
        max_party_size=2,
        required_fields=[
            {"key": "name", "type": "text", "label": "氏名", "required": True},
            {
                "key": "purpose",
                "type": "select",
                "label": "ご用件",
                "required": True,
                "options": [{"value": "move", "label": "転入・転出"}],
            },
        ],
    )
    slot = make_slot(resource)
    with pytest.raises(FieldErrors) as exc:
        booking_create(user=make_user(), slot_id=slot.pk, party_size=3, data={"name": "", "purpose": "x"})
    assert set(exc.value.errors) == {"party_size", "name", "purpose"}
    booking = booking_create(user=make_user(), slot_id=slot.pk, data={"name": "山田 花子", "purpose": "move"})
    assert booking.data == {"name": "山田 花子", "purpose": "move"}


def test_the_database_refuses_overbooking_even_without_the_service():
    slot = make_slot(capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked_count=2)


def test_started_slots_cannot_be_booked():
    slot = make_slot(make_resource(closes_hours_before=0), starts_in_hours=-1)
    with pytest.raises(DomainError):
        booking_create(user=make_user(), slot_id=slot.pk, now=timezone.now())


def test_the_slot_row_is_taken_last_and_held_briefly():
    """A booking rush serializes on one slot row: the place is taken with one conditional
    UPDATE … RETURNING after everything else is written (the booking row, the audit payload).
    On PostgreSQL the audit entry is part of that same statement, so nothing but the COMMIT
    follows the lock (elsewhere the chain's three statements follow it); the confirmation
    notice is not part of the booking's transaction at all (services/notices.py,
    docs/performance.md)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from madoguchi.audit.services import chain_statements

    slot = make_slot(capacity=5)
    booking_create(user=make_user(), slot_id=slot.pk)  # first-time lookups out of the way
    user = make_user()
    with CaptureQueriesContext(connection) as queries:
        booking_create(user=user, slot_id=slot.pk)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    locks_slot = [
        i
        for i, sql in enumerate(statements)
        if 'UPDATE "reservations_slot"' in sql or ("reservations_slot" in sql and "FOR UPDATE" in sql)
    ]
    assert len(locks_slot) == 1, [statements[i] for i in locks_slot]  # no SELECT … FOR UPDATE of the slot
    take = statements[locks_slot[0]]
    assert "booked_count + " in take and "<= capacity" in take and "RETURNING" in take
    after = statements[locks_slot[0] + 1 :]
    if connection.vendor == "postgresql":
        # one statement: the place, then the audit entry (lock head, insert, move head)
        assert take.startswith('WITH lead AS (UPDATE "reservations_slot"'), take
        assert "audit_auditentry" in take and "audit_auditchainhead" in take
        assert after == []
    else:
        assert take.startswith("UPDATE")
        assert len(after) == chain_statements(), after
        assert all("audit" in sql for sql in after), after
    assert not [sql for sql in statements if "notifications_" in sql]
    # the person (locked where rows can be: not on SQLite), their bookings, the slot, the
    # booking; the place (and the audit entry)
    person = 1 if connection.features.has_select_for_update else 0
    assert len(statements) == person + 3 + len(after) + 1, statements
    slot.refresh_from_db()
    assert slot.booked_count == 2


def test_a_slot_stopped_while_booking_refuses_and_leaves_nothing(django_capture_on_commit_callbacks):
    """The place is taken only if the slot is still open: a stop between the read and the
    UPDATE rolls the booking, its notice and its audit entry back."""
    from unittest import mock

    from madoguchi.notifications.models import Notification
    from madoguchi.reservations.services import bookings

    slot = make_slot(capacity=5)
    real = bookings.take_places

    def stopped_meanwhile(s, places, **kwargs):
        Slot.objects.filter(pk=s.pk).update(is_blocked=True)
        return real(s, places, **kwargs)

    with mock.patch.object(bookings, "take_places", side_effect=stopped_meanwhile):
        with pytest.raises(DomainError) as exc:
            booking_create(user=make_user(), slot_id=slot.pk)
    assert exc.value.code == "blocked"
    assert not Booking.objects.exists()
    assert not AuditEntry.objects.filter(action="reservation.booking.created").exists()
    assert not Notification.objects.exists()
    slot.refresh_from_db()
    assert slot.booked_count == 0
