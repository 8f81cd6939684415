"""The waiting room at the door of the booking pages: the light queue page, a queued POST that
keeps what was typed, passes, the API's 429 — and fair limits: one ticket per browser (or
signed-in API user) and a generous ceiling of waiting tickets per address, with allow-listed
addresses exempt, and as many let in at once as the slot has places left.

These run against the process-local store, and against Redis when the cache is Redis
(``REDIS_URL=redis://127.0.0.1:6379/9``)."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from madoguchi.core.testing import make_slot, make_user
from madoguchi.reservations.models import Booking
from madoguchi.reservations.waiting_room import CLIENT_COOKIE

pytestmark = pytest.mark.django_db

SLOW = {
    "RESERVATIONS_WAITING_ROOM_RATE": 0.01,
    "RESERVATIONS_WAITING_ROOM_BURST": 1,
    "RESERVATIONS_WAITING_ROOM_MAX_BURST": 0,
}
NAT = "203.0.113.5"


def _book_url(slot):
    r = slot.resource
    return reverse("reservations:booking_new", args=[r.organization.slug, r.slug, slot.pk])


def _use_the_only_token(slot):
    Client(REMOTE_ADDR="198.51.100.1").get(_book_url(slot))


@override_settings(**SLOW)
def test_one_browser_asking_many_times_holds_one_ticket():
    slot = make_slot()
    _use_the_only_token(slot)
    browser = Client(REMOTE_ADDR=NAT)
    pages = [browser.get(_book_url(slot)) for _ in range(20)]
    assert {p["X-Reservation-Outcome"].split(";")[1] for p in pages} == {" position=1"}
    assert CLIENT_COOKIE in pages[0].cookies and CLIENT_COOKIE not in pages[1].cookies  # handed out once
    assert "2 番目" in Client(REMOTE_ADDR=NAT).get(_book_url(slot)).content.decode()


@override_settings(**SLOW, RESERVATIONS_WAITING_ROOM_IP_LIMIT=5)
def test_many_browsers_behind_one_address_get_places_up_to_the_ceiling_then_a_clear_429(
    django_assert_num_queries,
):
    slot = make_slot()
    _use_the_only_token(slot)
    phones = [Client(REMOTE_ADDR=NAT) for _ in range(5)]
    pages = [phone.get(_book_url(slot)) for phone in phones]
    assert [p.status_code for p in pages] == [200] * 5
    assert [f"{n} 番目" in p.content.decode() for n, p in enumerate(pages, start=1)] == [True] * 5
    with django_assert_num_queries(0):
        refused = Client(REMOTE_ADDR=NAT).get(_book_url(slot))
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "ただいま順番待ちに加われません" in page
    assert "すでに多くの方が順番待ちをしています" in page
    assert refused["Retry-After"] == "30"  # capped by RESERVATIONS_WAITING_ROOM_MAX_RETRY
    assert 'http-equiv="refresh"' not in page  # no refresh the person cannot stop (WCAG 2.2.1)
    assert 'data-retry-after="30"' in page  # the page's script reloads it then, and says so
    assert refused["X-Reservation-Outcome"] == "limited; retry-after=30"
    assert "no-store" in refused["Cache-Control"]
    assert not refused.cookies  # no place, nothing to remember
    # the phones already queued keep their places; another address is not affected
    assert "3 番目" in phones[2].get(_book_url(slot)).content.decode()
    assert "6 番目" in Client(REMOTE_ADDR="203.0.113.77").get(_book_url(slot)).content.decode()


@override_settings(
    **SLOW, RESERVATIONS_WAITING_ROOM_IP_LIMIT=2, RESERVATIONS_WAITING_ROOM_IP_ALLOW=["203.0.113.0/24"]
)
def test_an_allow_listed_address_has_no_ceiling():
    slot = make_slot()
    _use_the_only_token(slot)
    pages = [Client(REMOTE_ADDR=NAT).get(_book_url(slot)) for _ in range(6)]
    assert [p.status_code for p in pages] == [200] * 6
    assert "6 番目" in pages[-1].content.decode()


@override_settings(**SLOW, RESERVATIONS_WAITING_ROOM_IP_LIMIT=1)
def test_a_form_post_over_the_ceiling_keeps_what_was_typed():
    slot = make_slot()
    _use_the_only_token(slot)
    Client(REMOTE_ADDR=NAT).get(_book_url(slot))
    browser = Client(REMOTE_ADDR=NAT)
    browser.force_login(make_user())
    response = browser.post(_book_url(slot), {"party_size": "2", "info-name": "山田"})
    assert response.status_code == 429
    page = response.content.decode()
    assert 'name="info-name" value="山田"' in page
    assert "もう一度送信する" in page and "http-equiv" not in page
    assert not Booking.objects.exists()


@override_settings(
    **SLOW, RESERVATIONS_WAITING_ROOM_IP_LIMIT=1, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_behind_the_proxy_the_ceiling_counts_the_forwarded_address():
    slot = make_slot()
    _use_the_only_token(slot)
    balancer = "10.0.0.2"
    first = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR=NAT).get(_book_url(slot))
    second = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR="203.0.113.8").get(_book_url(slot))
    assert (first.status_code, second.status_code) == (200, 200)  # not one client: the balancer
    spoofed = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {NAT}")
    assert spoofed.get(_book_url(slot)).status_code == 429


@override_settings(**SLOW, RESERVATIONS_WAITING_ROOM_IP_LIMIT=2)
def test_the_api_binds_the_ticket_to_the_user_and_answers_429_over_the_ceiling():
    slot = make_slot()
    _use_the_only_token(slot)
    url = reverse("api:reservations_booking_create")
    body = json.dumps({"slot_id": slot.pk})

    def post(user):
        client = Client(REMOTE_ADDR=NAT)  # a fresh client each time: no cookies kept
        client.force_login(user)
        return client.post(url, body, content_type="application/json")

    script = make_user()
    answers = [post(script) for _ in range(10)]
    assert {a.json()["error"]["queue_position"] for a in answers} == {1}
    assert post(make_user()).json()["error"]["queue_position"] == 2
    refused = post(make_user())
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "waiting_room_limited"
    assert "接続元" in error["message"]
    assert refused["Retry-After"] == str(error["retry_after"])


# ---------------------------------------------------------------- as many at once as places left

PLACES = {"RESERVATIONS_WAITING_ROOM_RATE": 0.01, "RESERVATIONS_WAITING_ROOM_BURST": 1}


@override_settings(**PLACES, RESERVATIONS_WAITING_ROOM_MAX_BURST=300)
def test_at_an_opening_as_many_come_in_at_once_as_the_slot_has_places_and_the_next_one_waits():
    slot = make_slot(capacity=4)
    answers = [Client(REMOTE_ADDR=f"198.51.100.{n}").get(_book_url(slot)) for n in range(1, 6)]
    # four places: four visitors pass the gate (sent on to sign in), the fifth gets a place in line
    assert [a.status_code for a in answers] == [302, 302, 302, 302, 200]
    assert answers[4]["X-Reservation-Outcome"].startswith("queued; position=1")


@override_settings(**PLACES, RESERVATIONS_WAITING_ROOM_MAX_BURST=2)
def test_the_places_burst_is_capped_by_max_burst():
    slot = make_slot(capacity=50)
    answers = [Client(REMOTE_ADDR=f"198.51.100.{n}").get(_book_url(slot)) for n in range(1, 4)]
    assert [a.status_code for a in answers] == [302, 302, 200]


@override_settings(**PLACES, RESERVATIONS_WAITING_ROOM_MAX_BURST=300)
def test_the_places_hint_follows_the_bookings_so_fewer_come_in_as_places_go(
    django_capture_on_commit_callbacks,
):
    from django.core.cache import cache

    from madoguchi.reservations.selectors import places_hint_key, slot_places_hint
    from madoguchi.reservations.services import booking_cancel, booking_create

    slot = make_slot(capacity=3)
    assert slot_places_hint(slot.pk) == 3  # read once from the database, then from the cache
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(user=make_user(), slot_id=slot.pk)
        booking_create(user=make_user(), slot_id=slot.pk)
    assert cache.get(places_hint_key(slot.pk)) == 1
    answers = [Client(REMOTE_ADDR=f"198.51.100.{n}").get(_book_url(slot)) for n in range(1, 4)]
    assert [a.status_code for a in answers] == [302, 200, 200]  # one place left: one comes in
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, actor=booking.user)
    assert cache.get(places_hint_key(slot.pk)) == 2
    assert slot_places_hint(10**9) is None  # no such slot: the configured burst


@override_settings(  # an opening: tokens left, but admissions outpace the refill
    RESERVATIONS_WAITING_ROOM_RATE=0.01,
    RESERVATIONS_WAITING_ROOM_BURST=10,
    RESERVATIONS_WAITING_ROOM_MAX_BURST=300,
    RESERVATIONS_WAITING_ROOM_HOLD_SECONDS=120,
)
def test_nobody_is_let_in_only_to_find_the_places_taken_by_those_let_in_before(
    django_capture_on_commit_callbacks,
):
    slot = make_slot(capacity=2)
    people = []
    for n in range(1, 4):
        person = Client(REMOTE_ADDR=f"198.51.100.{n}")
        person.force_login(make_user())
        people.append(person)
    forms = [person.get(_book_url(slot)) for person in people]
    # tokens are plenty, but two places and two people on their way to them: the third waits
    assert [f.status_code for f in forms] == [200, 200, 200]
    assert "X-Reservation-Outcome" not in forms[0] and "X-Reservation-Outcome" not in forms[1]
    assert forms[2]["X-Reservation-Outcome"].startswith("queued; position=1")
    first = forms[0].content.decode()
    key = first.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        booked = people[0].post(_book_url(slot), {"party_size": "1", "idempotency_key": key})
    assert booked["X-Reservation-Outcome"] == "booked"
    # one place left, and the second person still on the way to it: the third still waits
    assert people[2].get(_book_url(slot))["X-Reservation-Outcome"].startswith("queued")
    assert Booking.objects.filter(slot=slot).count() == 1


# ---------------------------------------------------------------- waiting room at the door


@override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=0.01,
    RESERVATIONS_WAITING_ROOM_BURST=1,
    RESERVATIONS_WAITING_ROOM_MAX_BURST=0,
)
def test_above_the_rate_visitors_get_a_light_waiting_page_with_their_place(client, django_assert_num_queries):
    slot = make_slot()
    first = client.get(_book_url(slot))  # anonymous: admitted (token), then sent to sign in
    assert first.status_code == 302
    client.cookies.clear()
    with django_assert_num_queries(0):
        waiting = client.get(_book_url(slot))
    assert waiting.status_code == 200
    page = waiting.content.decode()
    assert 'http-equiv="refresh"' not in page  # no refresh the person cannot stop (WCAG 2.2.1)
    assert 'data-retry-after="30"' in page and "約 30 秒後に「今すぐ再読み込みする」を押してください" in page
    assert "1 番目" in page
    assert waiting["Retry-After"] == "30"
    assert waiting["X-Reservation-Outcome"].startswith("queued; position=1")
    assert "no-store" in waiting["Cache-Control"]
    assert CLIENT_COOKIE in waiting.cookies
    assert "sessionid" not in waiting.cookies
    # refreshing keeps the place; a second visitor queues behind
    assert "1 番目" in client.get(_book_url(slot)).content.decode()
    other = client.__class__()
    assert "2 番目" in other.get(_book_url(slot)).content.decode()


@override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=0.01,
    RESERVATIONS_WAITING_ROOM_BURST=1,
    RESERVATIONS_WAITING_ROOM_MAX_BURST=0,
)
def test_queue_pages_rendered_once_per_process_show_each_visitor_their_own_numbers_and_language():
    """The queue page is rendered once per language and address and its numbers filled in
    (views/gate.py): each visitor still sees their own place and wait, in their language, and
    the page is exactly what a fresh render gives."""
    from django.template.loader import render_to_string
    from django.test import Client
    from django.test.client import RequestFactory
    from django.utils import translation

    from madoguchi.reservations.views import gate
    from madoguchi.reservations.waiting_room import Admission

    slot = make_slot()
    Client().get(_book_url(slot))  # uses the only token
    pages = []
    for n in range(1, 4):
        visitor = Client(HTTP_ACCEPT_LANGUAGE="en" if n == 3 else "ja")
        page = visitor.get(_book_url(slot))
        assert page["X-Reservation-Outcome"].startswith(f"queued; position={n}")
        pages.append((page["Retry-After"], page.content.decode()))
    (wait1, first), (wait2, second), (wait3, english) = pages
    assert "1 番目" in first and "2 番目" in second and "3 番目" not in english
    assert f'data-retry-after="{wait1}"' in first and f'data-retry-after="{wait2}"' in second
    assert 'lang="en"' in english and "3" in english and "番目" not in english
    assert str(gate._POSITION_MARK) not in first + second + english
    request = RequestFactory().get(_book_url(slot))
    with translation.override("ja"):
        fresh = render_to_string(
            "reservations/waiting_room.html",
            gate.public_context(
                admission=Admission(admitted=False, ticket=2, position=2, retry_after=int(wait2)),
                replay=[],
                action=_book_url(slot),
            ),
            request,
        )
    assert second == fresh


@override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=0.01,
    RESERVATIONS_WAITING_ROOM_BURST=1,
    RESERVATIONS_WAITING_ROOM_MAX_BURST=0,
)
def test_a_queued_form_post_keeps_what_was_typed(client):
    slot = make_slot()
    client.get(_book_url(slot))  # uses the only token
    client.cookies.clear()
    client.force_login(make_user())
    response = client.post(_book_url(slot), {"party_size": "2", "info-name": "山田"})
    page = response.content.decode()
    assert response["X-Reservation-Outcome"].startswith("queued")
    assert 'name="info-name" value="山田"' in page
    assert "http-equiv" not in page
    assert not Booking.objects.exists()


@override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=0.01,
    RESERVATIONS_WAITING_ROOM_BURST=1,
    RESERVATIONS_WAITING_ROOM_MAX_BURST=0,
)
def test_a_visitor_with_a_pass_goes_straight_through(client):
    slot = make_slot()
    client.force_login(make_user())
    assert client.get(_book_url(slot)).status_code == 200  # admitted, pass cookie set
    assert client.get(_book_url(slot)).status_code == 200  # the pass, not a token
    assert client.post(_book_url(slot), {"party_size": "1"}).status_code == 302


@override_settings(
    RESERVATIONS_WAITING_ROOM_RATE=0.01,
    RESERVATIONS_WAITING_ROOM_BURST=1,
    RESERVATIONS_WAITING_ROOM_MAX_BURST=0,
)
def test_the_api_answers_429_with_the_queue_position(client):
    slot = make_slot()
    client.get(_book_url(slot))
    client.cookies.clear()
    client.force_login(make_user())
    response = client.post(
        reverse("api:reservations_booking_create"),
        json.dumps({"slot_id": slot.pk}),
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["error"]["queue_position"] == 1
    assert response["Retry-After"]
