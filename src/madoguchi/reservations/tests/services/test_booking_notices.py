"""The confirmation notice of a first-come booking follows its commit (services/notices.py):
written once by its task, by the sweeper when the task was lost, never for a booking cancelled
first, and not at all by a booking that rolled back."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from madoguchi.core.testing import make_resource, make_slot, make_user
from madoguchi.notifications.models import Notification
from madoguchi.reservations.models import Booking
from madoguchi.reservations.services import (
    booking_cancel,
    booking_create,
    booking_notice_confirmed,
    booking_notices_pending,
    booking_notices_sweep,
)
from madoguchi.reservations.tasks import sweep_booking_notices

pytestmark = [pytest.mark.django_db(transaction=False)]
LOCMEM_MAIL = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")


def _notices(booking) -> int:
    return Notification.objects.filter(dedupe_key=f"booking:{booking.pk}:confirmed", channel="email").count()


def test_a_booking_is_answered_before_its_notice_and_the_task_writes_it_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        booking = booking_create(user=make_user(), slot_id=make_slot(capacity=3).pk)
    # after the commit: the notice's task, with the waiting room told how many places are left
    assert [c.__qualname__.split(".")[0] for c in queued] == ["booking_notice_queue"]
    booking.refresh_from_db()
    assert booking.noticed_at is None
    assert _notices(booking) == 0

    assert booking_notice_confirmed(booking_id=booking.pk) is True
    assert booking_notice_confirmed(booking_id=booking.pk) is False  # a retry or a second worker
    booking.refresh_from_db()
    assert booking.noticed_at is not None
    assert _notices(booking) == 1


@LOCMEM_MAIL
def test_the_queued_task_sends_the_confirmation_mail_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(user=make_user(), slot_id=make_slot(capacity=3).pk)
    booking.refresh_from_db()
    assert booking.noticed_at is not None
    assert [m.to for m in mail.outbox] == [[booking.user.email]]
    assert booking.code_display in mail.outbox[0].body


def test_the_sweeper_writes_the_notices_whose_task_was_lost_and_leaves_young_ones_to_their_task():
    slot = make_slot(capacity=5)
    lost = booking_create(user=make_user(), slot_id=slot.pk)  # on-commit never runs here: "lost"
    young = booking_create(user=make_user(), slot_id=slot.pk)
    Booking.objects.filter(pk=lost.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))

    assert booking_notices_sweep() == 1
    assert (_notices(lost), _notices(young)) == (1, 0)
    assert booking_notices_sweep() == 0  # nothing twice
    assert _notices(lost) == 1

    Booking.objects.filter(pk=young.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert sweep_booking_notices() == 1  # the beat job
    assert _notices(young) == 1


def test_the_sweeper_works_in_batches_until_none_remain():
    slot = make_slot(capacity=10)
    bookings = [booking_create(user=make_user(), slot_id=slot.pk) for _ in range(7)]
    Booking.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert booking_notices_sweep(limit=3) == 3
    assert booking_notices_sweep(limit=3) == 3
    assert booking_notices_sweep(limit=3) == 1
    assert [_notices(b) for b in bookings] == [1] * 7


def test_a_booking_cancelled_before_its_notice_gets_no_confirmation(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        booking = booking_create(user=make_user(), slot_id=make_slot(capacity=3).pk)
    booking_cancel(booking=booking, actor=booking.user)
    assert booking_notice_confirmed(booking_id=booking.pk) is False
    booking.refresh_from_db()
    assert booking.noticed_at is not None  # the sweeper will not come back to it
    assert _notices(booking) == 0


def test_bookings_made_other_ways_write_their_notice_themselves_and_the_sweeper_skips_them():
    from madoguchi.reservations.constants import BookingStatus
    from madoguchi.reservations.services.common import create_booking_row

    resource = make_resource()
    slot = make_slot(resource)
    row = create_booking_row(resource=resource, slot=slot, user=make_user(), status=BookingStatus.CONFIRMED)
    assert row.noticed_at is not None
    Booking.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert booking_notices_sweep() == 0


# ---------------------------------------------------------------- one task per burst (shared cache)

SHARED = override_settings(CACHE_TREAT_AS_SHARED=True)


@SHARED
def test_with_a_shared_cache_a_burst_of_bookings_queues_one_task_that_writes_every_notice(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from madoguchi.reservations.services.notices import NOTICE_QUEUED_KEY
    from madoguchi.reservations.tasks import booking_notice_task

    cache.delete(NOTICE_QUEUED_KEY)
    queued: list[tuple] = []
    monkeypatch.setattr(booking_notice_task, "delay", lambda *args: queued.append(args))
    slot = make_slot(capacity=10)
    with django_capture_on_commit_callbacks(execute=True):
        bookings = [booking_create(user=make_user(), slot_id=slot.pk) for _ in range(5)]
    assert queued == [(None,)]  # five commits, one message
    assert sum(_notices(b) for b in bookings) == 0

    assert booking_notices_pending() == 5  # the task: clears the gate, writes every missing notice
    assert [_notices(b) for b in bookings] == [1] * 5
    assert cache.get(NOTICE_QUEUED_KEY) is None
    with django_capture_on_commit_callbacks(execute=True):
        later = booking_create(user=make_user(), slot_id=slot.pk)
    assert queued == [(None,), (None,)]  # after the task started, the next booking queues again
    assert booking_notice_task.run(None) == 1 and _notices(later) == 1
    assert booking_notices_pending() == 0  # nothing twice


@SHARED
def test_the_task_of_a_burst_works_in_batches_and_hands_over_when_its_time_is_up(monkeypatch):
    from madoguchi.reservations.tasks import booking_notice_task

    queued: list[tuple] = []
    monkeypatch.setattr(booking_notice_task, "delay", lambda *args: queued.append(args))
    slot = make_slot(capacity=10)
    bookings = [booking_create(user=make_user(), slot_id=slot.pk) for _ in range(7)]  # on-commit never runs
    assert booking_notices_pending(batch=3, budget_seconds=0) == 3  # one batch, then a fresh task
    assert queued == [(None,)]
    assert booking_notices_pending(batch=3) == 4
    assert [_notices(b) for b in bookings] == [1] * 7


def test_without_a_shared_cache_each_booking_queues_its_own_task(
    monkeypatch, django_capture_on_commit_callbacks
):
    from madoguchi.reservations.services import notices
    from madoguchi.reservations.tasks import booking_notice_task

    monkeypatch.setattr(notices, "cache_is_shared", lambda: False)  # e.g. locmem: one per process
    queued: list[tuple] = []
    monkeypatch.setattr(booking_notice_task, "delay", lambda *args: queued.append(args))
    slot = make_slot(capacity=10)
    with django_capture_on_commit_callbacks(execute=True):
        bookings = [booking_create(user=make_user(), slot_id=slot.pk) for _ in range(3)]
    assert queued == [(str(b.pk),) for b in bookings]


@SHARED
def test_with_the_cache_down_a_booking_still_queues_its_notice_and_the_hints_error_is_raised(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from madoguchi.reservations.services import notices
    from madoguchi.reservations.tasks import booking_notice_task

    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(notices, "cache_add_and_set", down)
    queued: list[tuple] = []
    monkeypatch.setattr(booking_notice_task, "delay", lambda *args: queued.append(args))
    slot = make_slot(capacity=10)
    # with the waiting room's hints: queued, then the hints' own failure is the request's
    with pytest.raises(ConnectionError), django_capture_on_commit_callbacks(execute=True):
        booking_create(user=make_user(), slot_id=slot.pk)
    assert queued == [(None,)]
    assert Booking.objects.filter(slot=slot).count() == 1  # committed before
    # the gate alone (no other writes): queued, nothing raised
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notices.booking_notice_queue(Booking.objects.get(slot=slot))
    assert queued == [(None,), (None,)]
