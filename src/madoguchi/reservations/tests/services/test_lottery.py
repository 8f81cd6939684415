import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.testing import make_resource, make_slot, make_staff, make_user
from madoguchi.reservations.constants import (
    AllocationMode,
    BookingStatus,
    EntryStatus,
    LotteryStatus,
    ResourceKind,
)
from madoguchi.reservations.lottery import seed_commitment, verify_record
from madoguchi.reservations.models import Booking, Slot
from madoguchi.reservations.services import (
    booking_cancel,
    booking_confirm,
    booking_create,
    lottery_create,
    lottery_draw,
    lottery_enter,
    lottery_expire_offers,
)

pytestmark = pytest.mark.django_db


def _setup(*, capacity=2, entrants=5, seed="fixed-seed", per_person_limit=1):
    resource = make_resource(
        kind=ResourceKind.LODGING,
        allocation=AllocationMode.LOTTERY,
        capacity=capacity,
        counts_party=False,
        max_party_size=4,
        per_person_limit=per_person_limit,
    )
    staff = make_staff(resource.organization, role="owner")
    now = timezone.now()
    slots = [make_slot(resource, starts_in_hours=24 * 30), make_slot(resource, starts_in_hours=24 * 31)]
    lottery = lottery_create(
        resource=resource,
        title="夏季保養所 抽選",
        entries_open_at=now - dt.timedelta(days=1),
        entries_close_at=now + dt.timedelta(days=1),
        confirm_by=now + dt.timedelta(days=5),
        slots=slots,
        actor=staff,
        seed=seed,
    )
    users = [make_user() for _ in range(entrants)]
    entries = [
        lottery_enter(
            lottery_obj=lottery,
            user=u,
            first_choice_id=slots[0].pk,
            second_choice_id=slots[1].pk,
            party_size=2,
        )
        for u in users
    ]
    return lottery, slots, entries, staff, now


def test_draw_respects_capacity_stores_a_verifiable_record_and_reveals_the_seed():
    lottery, slots, entries, staff, now = _setup(capacity=2, entrants=5)
    assert lottery.seed_commitment == seed_commitment("fixed-seed")
    drawn = lottery_draw(lottery_obj=lottery, actor=staff, now=now + dt.timedelta(days=2))
    assert drawn.status == LotteryStatus.DRAWN
    for slot in Slot.objects.filter(pk__in=[s.pk for s in slots]):
        assert slot.booked_count == 2 == slot.capacity
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 4
    assert verify_record(drawn.draw_record)
    assert drawn.draw_record["seed"] == "fixed-seed"
    audit = AuditEntry.objects.get(action="reservation.lottery.drawn")
    assert audit.after["record_sha256"] == drawn.draw_record_sha256
    assert audit.after["seed"] == "fixed-seed"
    statuses = sorted(e.status for e in type(entries[0]).objects.all())
    assert statuses == ["waitlisted"] + ["won"] * 4


def test_re_running_the_algorithm_from_the_stored_seed_and_entries_gives_the_stored_bookings():
    from madoguchi.reservations.lottery import EntryInput, allocate

    lottery, _slots, entries, staff, now = _setup(capacity=1, entrants=4, seed="same")
    drawn = lottery_draw(lottery_obj=lottery, actor=staff, now=now + dt.timedelta(days=2))
    inputs = [EntryInput(e.pk, e.first_choice_id, e.second_choice_id, 1) for e in entries]
    capacities = {int(k): v for k, v in drawn.draw_record["capacities"].items()}
    again = allocate(seed=drawn.seed, entries=inputs, capacities=capacities)
    stored = {e.pk: e.booking.slot_id for e in type(entries[0]).objects.filter(booking__isnull=False)}
    assert again.allocations == stored


def test_no_entries_and_draw_rules():
    lottery, _slots, entries, staff, now = _setup(entrants=1)
    with pytest.raises(DomainError):  # before the close
        lottery_draw(lottery_obj=lottery, actor=staff, now=now)
    with pytest.raises(DomainError):  # one entry per person
        lottery_enter(lottery_obj=lottery, user=entries[0].user, first_choice_id=entries[0].first_choice_id)
    with pytest.raises(FieldErrors) as exc:
        lottery_enter(
            lottery_obj=lottery,
            user=make_user(),
            first_choice_id=entries[0].first_choice_id,
            second_choice_id=entries[0].first_choice_id,
            party_size=9,
        )
    assert set(exc.value.errors) == {"second_choice", "party_size"}
    lottery_draw(lottery_obj=lottery, actor=staff, now=now + dt.timedelta(days=2))
    with pytest.raises(DomainError):
        lottery_draw(lottery_obj=lottery, actor=staff, now=now + dt.timedelta(days=2))
    with pytest.raises(DomainError):  # after the close
        lottery_enter(lottery_obj=lottery, user=make_user(), first_choice_id=entries[0].first_choice_id)


def test_lottery_slots_cannot_be_booked_first_come():
    lottery, slots, _entries, _staff, _now = _setup(entrants=0)
    with pytest.raises(DomainError) as exc:
        booking_create(user=make_user(), slot_id=slots[0].pk)
    assert exc.value.code == "lottery"


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_unconfirmed_places_move_to_the_waiting_list_after_the_deadline(django_capture_on_commit_callbacks):
    lottery, slots, entries, staff, now = _setup(capacity=1, entrants=4)
    lottery_draw(lottery_obj=lottery, actor=staff, now=now + dt.timedelta(days=2))
    winners = list(Booking.objects.filter(status=BookingStatus.PENDING).order_by("slot__starts_at"))
    assert len(winners) == 2
    booking_confirm(booking=winners[0], actor=winners[0].user, now=now + dt.timedelta(days=3))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        expired = lottery_expire_offers(now=now + dt.timedelta(days=6))
    assert expired == 1
    winners[1].refresh_from_db()
    assert winners[1].status == BookingStatus.EXPIRED
    offered = Booking.objects.get(slot=winners[1].slot, status=BookingStatus.PENDING)
    entry = offered.lottery_entry
    assert entry.status == EntryStatus.WON and entry.priority is not None
    # the first person on the waiting list (lowest priority number) got it
    waiting = type(entry).objects.filter(lottery=lottery, status=EntryStatus.WAITLISTED)
    assert all(w.priority > entry.priority for w in waiting)
    assert offered.expires_at == now + dt.timedelta(days=6, hours=lottery.offer_hours)
    assert any("繰り上げ当選" in m.body for m in mail.outbox)
    assert AuditEntry.objects.filter(action="reservation.lottery.offered").count() == 1
    slot = Slot.objects.get(pk=winners[1].slot_id)
    assert slot.booked_count == 1


def test_confirming_after_the_deadline_is_refused():
    lottery, _slots, _entries, staff, now = _setup(capacity=1, entrants=1)
    lottery_draw(lottery_obj=lottery, actor=staff, now=now + dt.timedelta(days=2))
    booking = Booking.objects.get(status=BookingStatus.PENDING)
    with pytest.raises(DomainError) as exc:
        booking_confirm(booking=booking, actor=booking.user, now=now + dt.timedelta(days=10))
    assert exc.value.code == "expired"


def test_a_declined_winning_place_goes_to_the_next_on_the_waiting_list():
    lottery, slots, entries, staff, now = _setup(capacity=1, entrants=3)
    lottery_draw(lottery_obj=lottery, actor=staff, now=now + dt.timedelta(days=2))
    winner = Booking.objects.filter(status=BookingStatus.PENDING).first()
    booking_cancel(booking=winner, actor=winner.user, now=now + dt.timedelta(days=2))
    assert Booking.objects.filter(slot=winner.slot, status=BookingStatus.PENDING).count() == 1
    winner.lottery_entry.refresh_from_db()
    assert winner.lottery_entry.status == EntryStatus.DECLINED
