import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.testing import make_resource, make_slot, make_staff, make_user
from madoguchi.reservations.constants import AllocationMode, EntryStatus, LotteryStatus, ResourceKind
from madoguchi.reservations.models import LotteryEntry
from madoguchi.reservations.services import lottery_create

pytestmark = pytest.mark.django_db


def _lottery(*, closes_in_days: float = 1):
    resource = make_resource(
        kind=ResourceKind.LODGING, allocation=AllocationMode.LOTTERY, capacity=1, counts_party=False
    )
    staff = make_staff(resource.organization, role="owner")
    slots = [make_slot(resource, starts_in_hours=24 * 40), make_slot(resource, starts_in_hours=24 * 41)]
    now = timezone.now()
    lottery = lottery_create(
        resource=resource,
        title="夏季 抽選",
        entries_open_at=now - dt.timedelta(days=1),
        entries_close_at=now + dt.timedelta(days=closes_in_days),
        confirm_by=now + dt.timedelta(days=closes_in_days + 3),
        slots=slots,
        actor=staff,
    )
    return lottery, slots, staff


def test_entering_a_lottery_on_a_phone_and_seeing_it_in_my_list(client):
    lottery, slots, _staff = _lottery()
    user = make_user()
    client.force_login(user)
    url = reverse("reservations:lottery_enter", args=[lottery.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"first_choice": "", "second_choice": str(slots[1].pk), "party_size": "1"})
    page = bad.content.decode()
    assert 'href="#id_first_choice"' in page and "第1希望を選んでください" in page
    assert f'value="{slots[1].pk}" selected' in page  # what was chosen is kept
    ok = client.post(
        url, {"first_choice": str(slots[0].pk), "second_choice": str(slots[1].pk), "party_size": "2"}
    )
    assert ok.status_code == 302
    entry = LotteryEntry.objects.get(user=user)
    assert (entry.first_choice_id, entry.second_choice_id, entry.party_size) == (slots[0].pk, slots[1].pk, 2)
    mine = client.get(reverse("reservations:mine")).content.decode()
    assert "夏季 抽選" in mine and str(entry.pk) in mine
    again = client.post(url, {"first_choice": str(slots[0].pk), "party_size": "1"})
    assert again.status_code == 409 and "1人1件" in again.content.decode()


def test_the_public_lottery_page_shows_the_commitment_before_and_the_seed_after_the_draw(client):
    lottery, slots, staff = _lottery(closes_in_days=-0.001)
    url = reverse("reservations:lottery_detail", args=[lottery.pk])
    before = client.get(url)
    assert "public" in before["Cache-Control"]
    assert lottery.seed_commitment in before.content.decode()
    assert lottery.seed not in before.content.decode()
    client.force_login(staff)
    response = client.post(reverse("reservations:staff_lottery", args=[lottery.pk]))
    assert response.status_code == 302
    lottery.refresh_from_db()
    assert lottery.status == LotteryStatus.DRAWN
    client.logout()
    after = client.get(url).content.decode()
    assert lottery.seed in after and lottery.draw_record_sha256 in after


def test_waitlisted_members_see_their_current_place(client):
    lottery, slots, staff = _lottery()
    users = [make_user() for _ in range(3)]
    for user in users:
        LotteryEntry.objects.create(lottery=lottery, user=user, first_choice=slots[0])
    lottery.entries_close_at = timezone.now() - dt.timedelta(minutes=1)
    lottery.save()
    from madoguchi.reservations.services import lottery_draw

    lottery_draw(lottery_obj=lottery, actor=staff)
    last = LotteryEntry.objects.filter(status=EntryStatus.WAITLISTED).order_by("-priority").first()
    client.force_login(last.user)
    assert "キャンセル待ち 2 番目" in client.get(reverse("reservations:mine")).content.decode()


def test_a_lottery_past_its_entry_deadline_does_not_say_it_takes_entries(client):
    lottery, _slots, _staff = _lottery()
    client.force_login(make_user())
    url = reverse("reservations:lottery_detail", args=[lottery.pk])
    assert "受付中・抽選前" in client.get(url).content.decode()

    type(lottery).objects.filter(pk=lottery.pk).update(
        entries_close_at=timezone.now() - dt.timedelta(minutes=1)
    )

    page = client.get(url).content.decode()
    assert "申込の受付終了・抽選前" in page and "受付中・抽選前" not in page
