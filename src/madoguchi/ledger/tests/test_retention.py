import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.errors import DomainError
from madoguchi.core.testing import ledger_csv, ledger_row
from madoguchi.ledger import services
from madoguchi.ledger.models import Change, Record
from madoguchi.ledger.services.retention import ledger_purge_archived

pytestmark = pytest.mark.django_db


def test_archived_event_keeps_data_until_the_retention_ends_then_erases_personal_fields(
    world, send, settings
):
    settings.LEDGER_RETENTION_DAYS = 30
    event, pref = world["event"], world["pref_user"]
    send(world["users"][0], event, ledger_csv([ledger_row("A1", damage_level="全壊")]))
    with pytest.raises(DomainError):
        services.event_set_status(user=pref, event_id=event.pk, status="archived")  # must close first
    services.event_set_status(user=pref, event_id=event.pk, status="closed")
    event = services.event_set_status(user=pref, event_id=event.pk, status="archived")
    assert event.purge_after.date() == (timezone.now() + dt.timedelta(days=30)).date()
    assert ledger_purge_archived() == 0
    assert Record.objects.get().payload
    assert ledger_purge_archived(now=timezone.now() + dt.timedelta(days=31)) == 1
    record = Record.objects.get()
    assert record.payload == "" and record.k_dob is None and record.k_kana is None
    assert record.damage_level == "total"  # totals remain
    assert not Change.objects.exclude(payload="").exists()
    event.refresh_from_db()
    assert event.status == "purged"


def test_a_closed_event_takes_no_more_uploads(world):
    event = world["event"]
    services.event_set_status(user=world["pref_user"], event_id=event.pk, status="closed")
    with pytest.raises(DomainError):
        services.upload_create(
            user=world["users"][0], event_id=event.pk, organization_id=None, name="a.csv", data=b"x"
        )


def test_municipalities_cannot_change_the_event_status(world):
    with pytest.raises(DomainError) as exc:
        services.event_set_status(user=world["users"][0], event_id=world["event"].pk, status="closed")
    assert exc.value.status == 404
