"""The booking POST's statements written out once (services/common.py, decision 0029):
the person's lock, their own bookings, the booking INSERT without a savepoint — held to what
the ORM did, on SQLite and on PostgreSQL."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify, chain_statements
from madoguchi.core.testing import make_resource, make_slot, make_user
from madoguchi.reservations.constants import ACTIVE, BookingStatus
from madoguchi.reservations.models import Booking
from madoguchi.reservations.services import booking_create
from madoguchi.reservations.services import common as services_common
from madoguchi.reservations.services.common import create_booking_row, own_bookings

pytestmark = [pytest.mark.django_db(transaction=False)]


def _orm_own_bookings(*, user, resource, now, key):
    wanted = Q(resource=resource, status__in=ACTIVE, slot__ends_at__gte=now)
    if key:
        wanted |= Q(idempotency_key=key)
    return list(Booking.objects.filter(Q(user=user) & wanted).select_related("slot"))


def _row(booking):
    return (
        {f.attname: getattr(booking, f.attname) for f in Booking._meta.concrete_fields},
        {f.attname: getattr(booking.slot, f.attname) for f in booking.slot._meta.concrete_fields},
    )


def test_own_bookings_finds_what_the_orm_finds_with_the_slot_loaded():
    resource, other = make_resource(per_person_limit=5), make_resource()
    user, someone = make_user(), make_user()
    now = timezone.now()
    near, far = make_slot(resource, starts_in_hours=2), make_slot(resource, starts_in_hours=30)
    past = make_slot(resource, starts_in_hours=-5)
    elsewhere = make_slot(other)
    made = [
        create_booking_row(resource=resource, slot=near, user=user, status=BookingStatus.CONFIRMED),
        create_booking_row(resource=resource, slot=far, user=user, status=BookingStatus.PENDING),
        create_booking_row(resource=resource, slot=past, user=user, status=BookingStatus.CONFIRMED),
        create_booking_row(
            resource=resource,
            slot=near,
            user=user,
            status=BookingStatus.CANCELLED,
            idempotency_key="k-cancelled",
        ),
        create_booking_row(
            resource=other,
            slot=elsewhere,
            user=user,
            status=BookingStatus.CONFIRMED,
            idempotency_key="k-other",
        ),
        create_booking_row(resource=resource, slot=far, user=someone, status=BookingStatus.CONFIRMED),
    ]
    assert len(made) == 6
    for key in ("", "k-cancelled", "k-other", "k-none"):
        for who in (user, someone, make_user()):
            found = own_bookings(user=who, resource=resource, now=now, key=key)
            expected = _orm_own_bookings(user=who, resource=resource, now=now, key=key)
            assert [_row(b) for b in found] == [_row(b) for b in expected], (key, who)
            for booking in found:
                assert Booking.slot.is_cached(booking)
                assert not booking._state.adding and booking._state.db == "default"
    # the slot's end is compared as the ORM compares it: a slot ending exactly now counts
    ends_now = own_bookings(user=user, resource=resource, now=near.ends_at, key="")
    assert {b.slot_id for b in ends_now} == {near.pk, far.pk}
    assert (
        own_bookings(user=user, resource=resource, now=near.ends_at + dt.timedelta(seconds=1), key="") != []
    )


def test_a_taken_check_in_code_is_retried_without_a_savepoint():
    slot = make_slot(capacity=5)
    first = booking_create(user=make_user(), slot_id=slot.pk)
    codes = iter([first.code, first.code, "FRESH234"])
    with (
        mock.patch.object(services_common, "new_code", side_effect=lambda: next(codes)),
        CaptureQueriesContext(connection) as queries,
    ):
        second = booking_create(user=make_user(), slot_id=slot.pk)
    assert second.code == "FRESH234"
    assert Booking.objects.get(pk=second.pk).code == "FRESH234"
    assert Booking.objects.filter(code=first.code).count() == 1
    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('INSERT INTO "reservations_booking"')
    ]
    assert len(inserts) == 3 and all('ON CONFLICT ("code") DO NOTHING' in sql for sql in inserts)
    # one savepoint: booking_create's transaction (a savepoint only because the test runs in
    # one), none around each attempt
    assert sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries) == 1
    slot.refresh_from_db()
    assert slot.booked_count == 2
    assert audit_verify()[0]


def test_no_free_code_after_five_tries_is_an_error_and_writes_nothing():
    slot = make_slot(capacity=5)
    first = booking_create(user=make_user(), slot_id=slot.pk)
    with (
        mock.patch.object(services_common, "new_code", return_value=first.code),
        pytest.raises(RuntimeError, match="free check-in code"),
    ):
        booking_create(user=make_user(), slot_id=slot.pk)
    assert Booking.objects.count() == 1
    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_another_unique_rule_still_raises_integrity_error():
    """Only a taken code is passed over: the idempotency key's rule is the database's to keep."""
    slot = make_slot(capacity=5)
    user = make_user()
    create_booking_row(resource=slot.resource, slot=slot, user=user, status="confirmed", idempotency_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        create_booking_row(
            resource=slot.resource, slot=slot, user=user, status="cancelled", idempotency_key="k"
        )
    assert Booking.objects.filter(user=user).count() == 1


def test_an_idempotent_retry_returns_the_booking_and_writes_nothing():
    slot = make_slot(capacity=5)
    user = make_user()
    first = booking_create(user=user, slot_id=slot.pk, idempotency_key="click")
    with CaptureQueriesContext(connection) as queries:
        again = booking_create(user=user, slot_id=slot.pk, idempotency_key="click")
    assert again.pk == first.pk and again.code == first.code
    assert Booking.slot.is_cached(again) and again.slot.pk == slot.pk
    written = [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "WITH")
    ]
    assert written == []
    assert AuditEntry.objects.filter(action="reservation.booking.created").count() == 1
    slot.refresh_from_db()
    assert slot.booked_count == 1


def test_a_booking_post_runs_its_statements_and_no_savepoint(client):
    """Session (unless cached), person, slot page read; the person's lock (where rows can be locked), their
    own bookings, the INSERT; the place with its audit entry (one statement on PostgreSQL)."""
    slot = make_slot(capacity=5)
    # first-time work out of the way (the audit chain's head row after a flushed database)
    booking_create(user=make_user(), slot_id=slot.pk)
    user = make_user()
    client.force_login(user)
    url = reverse(
        "reservations:booking_new", args=[slot.resource.organization.slug, slot.resource.slug, slot.pk]
    )
    form = client.get(url)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.content.decode()).group(1)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"party_size": "1", "idempotency_key": key})
    assert response.status_code == 302
    # the session is read from the cache when there is Redis (the form's GET put it there)
    session = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    # the service's transaction is a savepoint here only because the test runs in one
    savepoints = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
    assert [sql.split()[0] for sql in savepoints] == ["SAVEPOINT", "RELEASE"], savepoints
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    person = 1 if connection.features.has_select_for_update else 0
    take = 1 if connection.vendor == "postgresql" else 1 + chain_statements()
    assert len(statements) == session + 2 + person + 2 + take, statements
    assert sum('INSERT INTO "reservations_booking"' in sql for sql in statements) == 1
    booking = Booking.objects.get(user=user)
    assert booking.idempotency_key == key
    assert AuditEntry.objects.filter(target_id=str(booking.pk)).count() == 1
    assert audit_verify()[0]


def test_a_booking_post_and_its_page_look_the_connection_up_once_per_step_not_per_read(client, monkeypatch):
    """``django.db.connection`` finds the thread's connection again on every attribute read
    (≈ 16 k instructions each); the booking page's and the POST's own steps take it once
    (``hotpath.own``) and pass it on (docs/performance.md, "Issue 19, tenth session")."""
    from django.utils.connection import ConnectionProxy

    database = connection  # django.db.connection (the cache's proxy is another ConnectionProxy)

    slot = make_slot(capacity=5)
    booking_create(user=make_user(), slot_id=slot.pk)
    user = make_user()
    client.force_login(user)
    url = reverse(
        "reservations:booking_new", args=[slot.resource.organization.slug, slot.resource.slug, slot.pk]
    )
    key = re.search(r'name="idempotency_key" value="([^"]+)"', client.get(url).content.decode()).group(1)
    reads: list[str] = []
    through_proxy = ConnectionProxy.__getattr__

    def counted(proxy, item):
        if proxy is database:
            reads.append(item)
        return through_proxy(proxy, item)

    monkeypatch.setattr(ConnectionProxy, "__getattr__", counted)
    assert client.get(url).status_code == 200
    assert client.post(url, {"party_size": "1", "idempotency_key": key}).status_code == 302
    assert reads == [], reads
