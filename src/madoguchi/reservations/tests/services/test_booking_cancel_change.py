import pytest
from django.utils import timezone

from madoguchi.core.errors import DomainError, PermissionDeniedError
from madoguchi.core.testing import make_resource, make_slot, make_staff, make_user
from madoguchi.reservations.constants import BookingStatus
from madoguchi.reservations.services import booking_cancel, booking_change, booking_create

pytestmark = pytest.mark.django_db


def test_cancellation_returns_the_places_to_the_slot():
    slot = make_slot(capacity=2)
    user = make_user()
    booking = booking_create(user=user, slot_id=slot.pk, party_size=2)
    with pytest.raises(DomainError):
        booking_create(user=make_user(), slot_id=slot.pk)
    booking_cancel(booking=booking, actor=user)
    slot.refresh_from_db()
    booking.refresh_from_db()
    assert slot.booked_count == 0
    assert booking.status == BookingStatus.CANCELLED
    assert booking_create(user=make_user(), slot_id=slot.pk, party_size=2).places == 2


def test_cancelling_twice_is_refused():
    slot = make_slot()
    user = make_user()
    booking = booking_create(user=user, slot_id=slot.pk)
    booking_cancel(booking=booking, actor=user)
    with pytest.raises(DomainError):
        booking_cancel(booking=booking, actor=user)
    slot.refresh_from_db()
    assert slot.booked_count == 0


def test_another_applicant_cannot_cancel_but_staff_of_the_organization_can():
    resource = make_resource()
    owner = make_user()
    booking = booking_create(user=owner, slot_id=make_slot(resource).pk)
    with pytest.raises(PermissionDeniedError):
        booking_cancel(booking=booking, actor=make_user())
    staff = make_staff(resource.organization, role="counter")
    assert booking_cancel(booking=booking, actor=staff, reason="臨時休業").status == BookingStatus.CANCELLED


def test_change_moves_the_places_between_slots():
    resource = make_resource(capacity=2)
    first, second = make_slot(resource, starts_in_hours=30), make_slot(resource, starts_in_hours=50)
    user = make_user()
    booking = booking_create(user=user, slot_id=first.pk, party_size=2)
    booking_change(booking=booking, new_slot_id=second.pk, actor=user)
    first.refresh_from_db()
    second.refresh_from_db()
    booking.refresh_from_db()
    assert (first.booked_count, second.booked_count) == (0, 2)
    assert booking.slot_id == second.pk


def test_change_to_a_full_slot_keeps_the_old_booking():
    resource = make_resource(capacity=1)
    first, second = make_slot(resource, starts_in_hours=30), make_slot(resource, starts_in_hours=50)
    booking_create(user=make_user(), slot_id=second.pk)
    user = make_user()
    booking = booking_create(user=user, slot_id=first.pk)
    with pytest.raises(DomainError) as exc:
        booking_change(booking=booking, new_slot_id=second.pk, actor=user)
    assert exc.value.code == "full"
    booking.refresh_from_db()
    first.refresh_from_db()
    assert booking.slot_id == first.pk and first.booked_count == 1


def test_change_to_another_resources_slot_is_refused():
    user = make_user()
    booking = booking_create(user=user, slot_id=make_slot().pk)
    with pytest.raises(DomainError):
        booking_change(booking=booking, new_slot_id=make_slot().pk, actor=user)


def test_applicants_cannot_cancel_after_the_start():
    slot = make_slot(make_resource(closes_hours_before=0), starts_in_hours=1)
    user = make_user()
    booking = booking_create(user=user, slot_id=slot.pk)
    with pytest.raises(DomainError) as exc:
        booking_cancel(booking=booking, actor=user, now=timezone.now() + timezone.timedelta(hours=2))
    assert exc.value.code == "started"
