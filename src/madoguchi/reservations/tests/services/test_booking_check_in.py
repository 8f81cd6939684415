import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from madoguchi.core.errors import DomainError, PermissionDeniedError
from madoguchi.core.testing import make_department, make_resource, make_slot, make_staff, make_user
from madoguchi.reservations import selectors
from madoguchi.reservations.constants import BookingStatus
from madoguchi.reservations.services import (
    booking_check_in,
    booking_create,
    booking_mark_no_show,
    booking_reminders_send,
    normalize_code,
)

pytestmark = pytest.mark.django_db


def _today_booking(resource=None):
    resource = resource or make_resource(closes_hours_before=0)
    slot = make_slot(resource, starts_in_hours=0.5)
    return booking_create(user=make_user(), slot_id=slot.pk)


def test_staff_check_in_on_the_day_and_a_second_check_in_is_refused():
    booking = _today_booking()
    staff = make_staff(booking.resource.organization, role="counter")
    now = booking.slot.starts_at  # the same local day, whatever time the test runs
    checked = booking_check_in(booking=booking, actor=staff, now=now)
    assert checked.status == BookingStatus.CHECKED_IN
    assert checked.checked_in_by == staff
    with pytest.raises(DomainError) as exc:
        booking_check_in(booking=booking, actor=staff, now=now)
    assert exc.value.code == "already_checked_in"


def test_check_in_on_another_day_is_refused():
    booking = _today_booking()
    staff = make_staff(booking.resource.organization, role="counter")
    with pytest.raises(DomainError) as exc:
        booking_check_in(booking=booking, actor=staff, now=booking.slot.starts_at + dt.timedelta(days=2))
    assert exc.value.code == "wrong_day"


def test_staff_of_another_organization_or_department_cannot_check_in():
    resource = make_resource(closes_hours_before=0)
    resource.department = make_department(resource.organization)
    resource.save()
    booking = _today_booking(resource)
    with pytest.raises(PermissionDeniedError):
        booking_check_in(booking=booking, actor=make_staff(make_resource().organization, role="counter"))
    other_department = make_department(resource.organization)
    with pytest.raises(PermissionDeniedError):
        booking_check_in(
            booking=booking, actor=make_staff(resource.organization, department=other_department)
        )
    with pytest.raises(PermissionDeniedError):
        booking_check_in(booking=booking, actor=booking.user)


def test_typed_codes_are_normalized_and_found_only_by_staff_of_the_resource():
    booking = _today_booking()
    typed = f" {booking.code[:4].lower()}－{booking.code[4:]} "  # full-width hyphen, lower case
    code = normalize_code(typed)
    assert code == booking.code
    staff = make_staff(booking.resource.organization, role="counter")
    assert selectors.staff_find_booking_by_code(user=staff, code=code) == booking
    assert selectors.staff_find_booking_by_code(user=make_user(), code=code) is None


def test_no_show_only_after_the_start():
    booking = _today_booking()
    staff = make_staff(booking.resource.organization, role="counter")
    with pytest.raises(DomainError):
        booking_mark_no_show(
            booking=booking, actor=staff, now=booking.slot.starts_at - dt.timedelta(minutes=1)
        )
    marked = booking_mark_no_show(
        booking=booking, actor=staff, now=booking.slot.starts_at + dt.timedelta(minutes=1)
    )
    assert marked.status == BookingStatus.NO_SHOW


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_reminders_are_sent_once_for_bookings_starting_soon(django_capture_on_commit_callbacks):
    soon = booking_create(user=make_user(), slot_id=make_slot(starts_in_hours=10).pk)
    booking_create(user=make_user(), slot_id=make_slot(starts_in_hours=72).pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert booking_reminders_send(now=timezone.now(), hours=24) == 1
        assert booking_reminders_send(now=timezone.now(), hours=24) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [soon.user.email]
