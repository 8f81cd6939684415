"""Many threads race for the last place: PostgreSQL row locks let exactly one through."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from madoguchi.core.errors import DomainError
from madoguchi.core.testing import make_resource, make_slot, make_user
from madoguchi.reservations.models import Booking, Slot
from madoguchi.reservations.services import booking_create

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 24


def _race(slot_id: int, users) -> tuple[list, list]:
    barrier = threading.Barrier(len(users))
    booked, refused = [], []
    errors = []

    def attempt(user):
        try:
            barrier.wait()
            booked.append(booking_create(user=user, slot_id=slot_id))
        except DomainError as exc:
            refused.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return booked, refused


def test_many_threads_racing_for_the_last_place_yield_exactly_one_booking():
    slot = make_slot(make_resource(capacity=1))
    users = [make_user() for _ in range(THREADS)]
    booked, refused = _race(slot.pk, users)
    assert len(booked) == 1
    assert refused == ["full"] * (THREADS - 1)
    assert Slot.objects.get(pk=slot.pk).booked_count == 1
    assert Booking.objects.filter(slot_id=slot.pk).count() == 1


def test_racing_for_several_places_never_overbooks():
    slot = make_slot(make_resource(capacity=5))
    booked, refused = _race(slot.pk, [make_user() for _ in range(THREADS)])
    assert len(booked) == 5 and len(refused) == THREADS - 5
    assert Slot.objects.get(pk=slot.pk).booked_count == 5


def test_one_person_double_submitting_in_parallel_gets_one_booking():
    resource = make_resource(capacity=10, per_person_limit=1)
    slots = [make_slot(resource, starts_in_hours=30 + i) for i in range(6)]
    user = make_user()
    barrier = threading.Barrier(len(slots))
    results = []

    def attempt(slot):
        try:
            barrier.wait()
            results.append(booking_create(user=user, slot_id=slot.pk).pk)
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(s,)) for s in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Booking.objects.filter(user=user).count() == 1
    assert sorted(r for r in results if isinstance(r, str)) == ["limit"] * 5
