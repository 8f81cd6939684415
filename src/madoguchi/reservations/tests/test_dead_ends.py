"""Issue 13, "Dead ends in reservations": what the calendar offers can be booked, or the page
says why not and what to do; the demo's dates make sense on the day it is loaded."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.errors import DomainError
from madoguchi.core.testing import make_procedure, make_resource, make_slot, make_staff, make_user
from madoguchi.reservations import calendar, selectors
from madoguchi.reservations.constants import AllocationMode, BookingStatus, ResourceKind
from madoguchi.reservations.demo import load_reservations_demo
from madoguchi.reservations.models import Booking, Lottery, Resource, Slot
from madoguchi.reservations.services import booking_check_in, booking_create, lottery_create, lottery_draw

pytestmark = pytest.mark.django_db


def _detail(client, resource):
    return client.get(
        reverse("reservations:resource_detail", args=[resource.organization.slug, resource.slug])
    ).content.decode()


def _book_url(slot):
    r = slot.resource
    return reverse("reservations:booking_new", args=[r.organization.slug, r.slug, slot.pk])


def _lottery(resource, slots):
    now = timezone.now()
    return lottery_create(
        resource=resource,
        title="週末の宿泊 抽選",
        entries_open_at=now - dt.timedelta(days=1),
        entries_close_at=now + dt.timedelta(days=3),
        confirm_by=now + dt.timedelta(days=5),
        slots=slots,
        actor=None,
    )


def test_a_night_outside_the_lottery_is_offered_and_can_be_booked():
    resource = make_resource(kind=ResourceKind.LODGING, counts_party=False)
    peak, ordinary = make_slot(resource, starts_in_hours=72), make_slot(resource, starts_in_hours=96)
    _lottery(resource, [peak])
    states = {
        item["slot"].pk: item["state"]
        for day in selectors.resource_calendar(resource=resource)
        for item in day["slots"]
    }
    assert states == {peak.pk: "lottery", ordinary.pk: "open"}
    booking = booking_create(user=make_user(), slot_id=ordinary.pk)
    assert booking.status == BookingStatus.CONFIRMED


def test_every_slot_the_calendar_calls_open_can_be_booked_and_every_other_is_refused():
    lottery_only = make_resource(allocation=AllocationMode.LOTTERY)
    mixed = make_resource()
    slots = [make_slot(lottery_only), make_slot(mixed), make_slot(mixed, starts_in_hours=72)]
    _lottery(mixed, [slots[2]])
    for slot in slots:
        state, message = selectors.slot_state(Slot.objects.get(pk=slot.pk), timezone.now())
        if state == "open":
            booking_create(user=make_user(), slot_id=slot.pk)
        else:
            assert message, state  # the page says why
            with pytest.raises(DomainError) as exc:
                booking_create(user=make_user(), slot_id=slot.pk)
            assert exc.value.code == "lottery"
            assert str(exc.value.message) == message


def test_a_lottery_only_resource_says_no_lottery_is_open_yet_instead_of_offering_the_night(client):
    resource = make_resource(allocation=AllocationMode.LOTTERY)
    slot = make_slot(resource)
    page = _detail(client, resource)
    assert _book_url(slot) not in page
    assert "抽選（募集前）" in page and "抽選の募集はまだ始まっていません" in page


def test_a_lottery_night_on_the_calendar_leads_to_the_lottery_page(client):
    resource = make_resource(kind=ResourceKind.LODGING)
    slot = make_slot(resource)
    lottery = _lottery(resource, [slot])
    page = _detail(client, resource)
    assert reverse("reservations:lottery_detail", args=[lottery.pk]) in page
    assert _book_url(slot) not in page


def test_the_calendar_explains_nights_not_yet_open_for_booking(client):
    resource = make_resource(opens_days_before=1)
    make_slot(resource, starts_in_hours=24 * 5)
    page = _detail(client, resource)
    assert "受付前" in page and "予約は利用日の1日前" in page


# ---------------------------------------------------------------- check-in only on the day


def _booking_in(days: int):
    resource = make_resource()
    slot = make_slot(resource, starts_in_hours=24 * days)
    booking = booking_create(user=make_user(), slot_id=slot.pk)
    return booking, make_staff(resource.organization, role="counter")


def test_check_in_on_another_day_says_why_and_what_to_do():
    booking, staff = _booking_in(3)
    with pytest.raises(DomainError) as exc:
        booking_check_in(booking=booking, actor=staff)
    message = str(exc.value.message)
    assert exc.value.code == "wrong_day"
    assert "当日だけ" in message and "予約なしの来庁として対応" in message


def test_the_check_in_page_explains_before_anyone_presses_a_button(client):
    booking, staff = _booking_in(3)
    client.force_login(staff)
    page = client.get(reverse("reservations:staff_checkin") + f"?code={booking.code}").content.decode()
    assert 'id="checkin-refusal"' in page and "当日だけ" in page
    assert reverse("reservations:staff_booking_action", args=[booking.pk, "check-in"]) not in page
    day = client.get(
        reverse("reservations:staff_day", args=[booking.resource_id])
        + f"?date={timezone.localtime(booking.slot.starts_at).date().isoformat()}"
    ).content.decode()
    assert 'id="not-today"' in day
    assert reverse("reservations:staff_booking_action", args=[booking.pk, "check-in"]) not in day


# ---------------------------------------------------------------- procedures link to booking


def test_a_procedure_page_links_to_its_bookable_resources(client):
    resource = make_resource(kind=ResourceKind.BRIEFING, name="指定申請説明会")
    procedure = make_procedure(resource.organization)
    resource.procedures.add(procedure)
    page = client.get(
        reverse("procedures:detail", args=[procedure.organization.slug, procedure.slug])
    ).content.decode()
    assert reverse("reservations:resource_detail", args=[resource.organization.slug, resource.slug]) in page
    assert "指定申請説明会を予約する" in page


# ---------------------------------------------------------------- the demo on its day


def test_peak_season_names_the_season_of_the_night():
    assert calendar.peak_season(dt.date(2027, 1, 2)) == "年末年始"
    assert calendar.peak_season(dt.date(2027, 8, 10)) == "夏休み"
    assert calendar.peak_season(dt.date(2026, 12, 18)) == "週末"


@pytest.fixture
def december_demo():
    from madoguchi.core.testing import make_organization

    make_organization(slug="shinjuku", name="新宿区")
    make_organization(slug="kyosai", name="東京都職員共済組合")
    now = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
    load_reservations_demo(now=now)
    return now


def test_the_demo_lotteries_are_named_after_their_own_nights(december_demo):
    lotteries = list(Lottery.objects.all())
    assert len(lotteries) == 2
    for lottery in lotteries:
        first = timezone.localtime(lottery.slots.order_by("starts_at").first().starts_at).date()
        assert calendar.peak_season(first) in lottery.title
        assert f"{first.month}月{first.day}日" in lottery.title
        assert "夏" not in lottery.title


def test_the_demo_lodging_books_ordinary_nights_first_come(december_demo):
    lodging = Resource.objects.get(slug="hoyojo-kogen")
    night = Slot.objects.filter(
        resource=lodging, lottery__isnull=True, starts_at__gte=december_demo + dt.timedelta(days=5)
    ).first()
    booking = booking_create(user=make_user(), slot_id=night.pk, now=december_demo)
    assert booking.status == BookingStatus.CONFIRMED


def test_the_demo_has_a_lottery_ready_to_draw_on_its_day(december_demo):
    ready = Lottery.objects.get(entries_close_at__lte=december_demo)
    assert ready.entries.filter(user__email="hanako@example.jp").exists()
    lottery_draw(lottery_obj=ready, actor=None, now=december_demo + dt.timedelta(hours=1))
    ready.refresh_from_db()
    assert ready.status == "drawn"
    open_one = Lottery.objects.get(entries_close_at__gt=december_demo)
    assert open_one.entries_open_at <= december_demo < open_one.entries_close_at


def test_the_demo_has_a_counter_booking_to_check_in_today(december_demo):
    booking = Booking.objects.get(user__email="hanako@example.jp", resource__slug="shimin-madoguchi")
    assert timezone.localtime(booking.slot.starts_at).date() == timezone.localtime(december_demo).date()
    staff = make_staff(booking.resource.organization, role="counter")
    checked = booking_check_in(booking=booking, actor=staff, now=december_demo + dt.timedelta(hours=2))
    assert checked.status == BookingStatus.CHECKED_IN
