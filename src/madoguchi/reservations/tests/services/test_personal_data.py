"""Issue 11 leftovers: closing an account cancels the person's future bookings and withdraws
their lottery entries; retention anonymizes past bookings and lottery entries."""

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.testing import make_resource, make_slot, make_user
from madoguchi.reservations.constants import BookingStatus, EntryStatus, ResourceKind
from madoguchi.reservations.models import Booking, LotteryEntry, Slot
from madoguchi.reservations.services import (
    booking_create,
    lottery_create,
    lottery_draw,
    lottery_enter,
    reservations_purge,
)
from madoguchi.retention.closure import account_close, account_closure_preview
from madoguchi.retention.services import retention_run

pytestmark = pytest.mark.django_db


def _lottery(resource, slots, *, closes_in_hours=48):
    now = timezone.now()
    return lottery_create(
        resource=resource,
        title="週末の宿泊 抽選",
        entries_open_at=now - dt.timedelta(days=1),
        entries_close_at=now + dt.timedelta(hours=closes_in_hours),
        confirm_by=now + dt.timedelta(days=5),
        slots=slots,
        actor=None,
    )


def test_closing_an_account_cancels_future_bookings_and_gives_the_places_back():
    person = make_user()
    resource = make_resource(required_fields=[{"key": "name", "type": "text", "label": "お名前"}])
    future = make_slot(resource, starts_in_hours=30)
    booking = booking_create(user=person, slot_id=future.pk, party_size=2, data={"name": "山田 花子"})
    assert account_closure_preview(user=person).upcoming_bookings == 1
    counts = account_close(user=person)
    booking.refresh_from_db()
    future.refresh_from_db()
    assert counts["bookings_cancelled"] == 1
    assert booking.status == BookingStatus.CANCELLED
    assert booking.data == {}
    assert future.booked_count == 0
    booking_create(user=make_user(), slot_id=future.pk, party_size=2, data={"name": "別の人"})


def test_closing_an_account_withdraws_open_lottery_entries():
    person = make_user()
    resource = make_resource(kind=ResourceKind.LODGING)
    night = make_slot(resource, starts_in_hours=24 * 10)
    lottery = _lottery(resource, [night])
    entry = lottery_enter(lottery_obj=lottery, user=person, first_choice_id=night.pk)
    counts = account_close(user=person)
    entry.refresh_from_db()
    assert counts["lottery_entries_withdrawn"] == 1
    assert entry.status == EntryStatus.WITHDRAWN


def test_a_lottery_win_cancelled_by_closing_goes_to_the_waiting_list():
    resource = make_resource(kind=ResourceKind.LODGING, capacity=1, counts_party=False)
    night = make_slot(resource, starts_in_hours=24 * 10, capacity=1)
    lottery = _lottery(resource, [night])
    people = [make_user(), make_user()]
    entered_at = timezone.now()
    for person in people:
        lottery_enter(lottery_obj=lottery, user=person, first_choice_id=night.pk, now=entered_at)
    lottery_draw(lottery_obj=lottery, actor=None, now=timezone.now() + dt.timedelta(hours=49))
    winner = Booking.objects.get(slot=night, status=BookingStatus.PENDING).user
    account_close(user=winner)
    other = next(p for p in people if p.pk != winner.pk)
    assert Booking.objects.filter(slot=night, user=other, status=BookingStatus.PENDING).exists()
    assert Slot.objects.get(pk=night.pk).booked_count == 1


def test_retention_anonymizes_bookings_and_entries_long_past_and_keeps_the_counts(settings):
    settings.RESERVATIONS_RETENTION_DAYS = 30
    resource = make_resource(required_fields=[{"key": "name", "type": "text", "label": "お名前"}])
    old_slot = make_slot(resource, starts_in_hours=1)
    person = make_user()
    old = booking_create(user=person, slot_id=old_slot.pk, data={"name": "山田 花子"})
    recent = booking_create(
        user=person, slot_id=make_slot(resource, starts_in_hours=2).pk, data={"name": "山田 花子"}
    )
    night = make_slot(make_resource(kind=ResourceKind.LODGING), starts_in_hours=3)
    entry = lottery_enter(
        lottery_obj=_lottery(night.resource, [night], closes_in_hours=1),
        user=person,
        first_choice_id=night.pk,
    )
    later = timezone.now() + dt.timedelta(days=31)
    Slot.objects.filter(pk=recent.slot_id).update(starts_at=later, ends_at=later + dt.timedelta(minutes=30))
    report = retention_run(now=later)
    old.refresh_from_db()
    recent.refresh_from_db()
    entry.refresh_from_db()
    assert (old.user, old.data, old.status) == (None, {}, BookingStatus.CONFIRMED)
    assert recent.user == person and recent.data == {"name": "山田 花子"}
    assert entry.user is None
    assert report.other["reservations: bookings anonymized"] == 1
    assert reservations_purge(now=later)["bookings anonymized"] == 0  # nothing twice
    assert LotteryEntry.objects.filter(user__isnull=True).count() == 1
