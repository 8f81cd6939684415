"""Ledger roles are per event: a municipality's role for one disaster opens nothing of another,
the prefecture grants and takes back roles on the event's «担当者» page, everyone else gets 404."""

import datetime as dt

import pytest

from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import make_ledger_user, make_mfa_staff
from madoguchi.ledger.models import DisasterEvent, EventMunicipality, LedgerRole
from madoguchi.ledger.selectors import event_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_event(world):
    """Another disaster of the same prefecture in which the same municipalities take part."""
    event = DisasterEvent.objects.create(
        prefecture=world["prefecture"], name="別の台風", occurred_on=dt.date(2026, 10, 1)
    )
    for org in world["municipalities"]:
        EventMunicipality.objects.create(event=event, organization=org)
    return event


def test_a_municipality_role_for_one_event_gives_404_in_another_event_of_its_municipality(
    client, world, second_event
):
    client.force_login(world["users"][0])
    assert client.get(f"/ledger/events/{world['event'].pk}/").status_code == 200
    assert client.get(f"/ledger/events/{second_event.pk}/").status_code == 404
    assert client.get(f"/ledger/events/{second_event.pk}/totals/").status_code == 404
    assert [event for event, _kind in event_list(user=world["users"][0])] == [world["event"]]


def test_the_prefecture_office_standing_role_reaches_every_event_of_its_prefecture(
    client, world, second_event
):
    client.force_login(world["pref_user"])
    assert client.get(f"/ledger/events/{second_event.pk}/").status_code == 200


def test_a_prefecture_role_for_one_event_does_not_reach_another(client, world, second_event):
    helper = make_ledger_user(world["prefecture"], "prefecture", event=second_event)
    client.force_login(helper)
    assert client.get(f"/ledger/events/{second_event.pk}/").status_code == 200
    assert client.get(f"/ledger/events/{world['event'].pk}/").status_code == 404
    assert client.get("/ledger/events/new/").status_code == 404  # opening events is the office's


def test_a_municipality_role_cannot_exist_without_an_event(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerRole.objects.create(
            user=world["users"][0], organization=world["municipalities"][0], kind="municipality"
        )


def test_the_prefecture_grants_a_municipality_staff_member_a_role_for_this_event_only(
    client, world, second_event
):
    newcomer = make_mfa_staff(world["municipalities"][1], email="kakuu-new@example.jp")
    client.force_login(newcomer)
    assert client.get(f"/ledger/events/{world['event'].pk}/").status_code == 404
    client.force_login(world["pref_user"])
    page = f"/ledger/events/{world['event'].pk}/roles/"
    assert client.get(page).status_code == 200
    response = client.post(
        page, {"organization": world["municipalities"][1].pk, "email": "kakuu-new@example.jp"}
    )
    assert response.status_code == 302
    role = LedgerRole.objects.get(user=newcomer)
    assert (role.event, role.kind, role.granted_by) == (world["event"], "municipality", world["pref_user"])
    entry = AuditEntry.objects.get(action="ledger.role_granted")
    assert entry.after["user"] == newcomer.pk
    client.force_login(newcomer)
    assert client.get(f"/ledger/events/{world['event'].pk}/").status_code == 200
    assert client.get(f"/ledger/events/{second_event.pk}/").status_code == 404
    client.force_login(world["pref_user"])
    assert client.post(f"/ledger/events/{world['event'].pk}/roles/{role.pk}/revoke/").status_code == 302
    assert not LedgerRole.objects.filter(pk=role.pk).exists()
    assert AuditEntry.objects.filter(action="ledger.role_revoked").count() == 1


def test_a_role_for_someone_who_is_not_staff_of_that_organization_is_refused_with_the_message(client, world):
    other = make_mfa_staff(world["municipalities"][0], email="someone-else@example.jp")
    client.force_login(world["pref_user"])
    response = client.post(
        f"/ledger/events/{world['event'].pk}/roles/",
        {"organization": world["municipalities"][1].pk, "email": other.email},
    )
    assert response.status_code == 422
    assert "職員として登録されている方" in response.content.decode()
    assert other.email in response.content.decode()  # nothing typed is lost
    assert not LedgerRole.objects.filter(user=other).exists()


def test_the_roles_page_is_404_for_municipality_staff(client, world):
    client.force_login(world["users"][0])
    assert client.get(f"/ledger/events/{world['event'].pk}/roles/").status_code == 404
    role = LedgerRole.objects.get(user=world["users"][1])
    response = client.post(f"/ledger/events/{world['event'].pk}/roles/{role.pk}/revoke/")
    assert response.status_code == 404
    assert LedgerRole.objects.filter(pk=role.pk).exists()
