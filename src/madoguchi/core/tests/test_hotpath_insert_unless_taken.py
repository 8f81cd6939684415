"""core.hotpath.insert_unless_taken: ``INSERT … ON CONFLICT (unique) DO NOTHING`` — True and the
row written, False and nothing written when the unique value is taken, the transaction still
usable; refused where it cannot give what ``save()`` gives (the booking's use:
reservations/tests/services/test_booking_post_statements.py)."""

from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models import signals

from madoguchi.core import hotpath
from madoguchi.core.models import DevMail
from madoguchi.core.testing import make_slot, make_user
from madoguchi.reservations.models import Booking

pytestmark = pytest.mark.django_db


def _booking(slot, user, code):
    return Booking(resource=slot.resource, slot=slot, user=user, status="confirmed", code=code)


def test_a_taken_value_writes_nothing_and_the_transaction_goes_on():
    slot = make_slot(capacity=5)
    with transaction.atomic():
        first = _booking(slot, make_user(), "SAMECODE")
        assert hotpath.insert_unless_taken(first, connection, unique=("code",)) is True
        assert not first._state.adding
        taken = _booking(slot, make_user(), "SAMECODE")
        assert hotpath.insert_unless_taken(taken, connection, unique=("code",)) is False
        assert Booking.objects.count() == 1  # the transaction is still usable
        taken.code = "OTHERONE"
        assert hotpath.insert_unless_taken(taken, connection, unique=("code",)) is True
    stored = {b.pk: b for b in Booking.objects.all()}
    assert set(stored) == {first.pk, taken.pk}
    assert stored[taken.pk].code == "OTHERONE"
    assert stored[first.pk].created_at == first.created_at  # auto_now_add set as save() sets it


def test_a_model_whose_database_numbers_its_key_is_refused():
    with pytest.raises(ValueError, match="numbers"):
        hotpath.insert_unless_taken(
            DevMail(to="a@example.jp", subject="s", body="b"), connection, unique=("id",)
        )


def test_a_model_with_save_receivers_is_refused():
    def receiver(**kwargs):
        pass

    signals.post_save.connect(receiver, sender=Booking)
    try:
        assert not hotpath.can_insert_unless_taken(Booking, connection)
        with pytest.raises(ValueError):
            hotpath.insert_unless_taken(Booking(), connection, unique=("code",))
    finally:
        signals.post_save.disconnect(receiver, sender=Booking)
    with mock.patch.object(connection, "vendor", "mysql"):
        assert not hotpath.can_insert_unless_taken(Booking, connection)
