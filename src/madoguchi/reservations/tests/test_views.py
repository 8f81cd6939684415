import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.testing import make_resource, make_slot, make_staff, make_user
from madoguchi.reservations.constants import BookingStatus
from madoguchi.reservations.models import Booking
from madoguchi.reservations.services import booking_create
from madoguchi.reservations.waiting_room import pass_cookie_name

pytestmark = pytest.mark.django_db


def _book_url(slot):
    r = slot.resource
    return reverse("reservations:booking_new", args=[r.organization.slug, r.slug, slot.pk])


def _scope(slot):
    return f"{slot.resource.organization.slug}.{slot.resource.slug}"


def _form_value(response, name: str) -> str:
    """A hidden input's value as the page carries it (the shared form has no template context)."""
    match = re.search(rf'name="{name}" value="([^"]+)"', response.content.decode())
    assert match, f"no {name} on the page"
    return match.group(1)


# ---------------------------------------------------------------- public, cache-friendly pages


def test_public_pages_are_cacheable_and_set_no_cookies(client):
    slot = make_slot()
    resource = slot.resource
    for url in (
        reverse("reservations:resource_list"),
        reverse("reservations:resource_detail", args=[resource.organization.slug, resource.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
        assert "Cookie" not in response.get("Vary", "")
        assert not response.cookies
    detail = client.get(
        reverse("reservations:resource_detail", args=[resource.organization.slug, resource.slug])
    )
    assert _book_url(slot) in detail.content.decode()


def test_the_resource_page_shows_two_weeks_at_a_time(client):
    resource = make_resource()
    near, far = make_slot(resource, starts_in_hours=30), make_slot(resource, starts_in_hours=24 * 20)
    url = reverse("reservations:resource_detail", args=[resource.organization.slug, resource.slug])
    first = client.get(url).content.decode()
    assert _book_url(near) in first and _book_url(far) not in first
    later = client.get(url + "?from=" + (timezone.localdate() + timezone.timedelta(days=14)).isoformat())
    assert _book_url(far) in later.content.decode()
    assert client.get(url + "?from=not-a-date").status_code == 200


def test_public_pages_stay_cacheable_for_signed_in_visitors(client):
    slot = make_slot()
    client.force_login(make_user())
    response = client.get(
        reverse("reservations:resource_detail", args=[slot.resource.organization.slug, slot.resource.slug])
    )
    assert "public" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")


# ---------------------------------------------------------------- booking on a phone, no JS


def test_booking_flow_without_javascript(client):
    slot = make_slot(make_resource(max_party_size=3))
    user = make_user()
    client.force_login(user)
    form = client.get(_book_url(slot))
    assert form.status_code == 200
    assert pass_cookie_name(_scope(slot)) in form.cookies
    key = _form_value(form, "idempotency_key")
    response = client.post(_book_url(slot), {"party_size": "2", "idempotency_key": key})
    assert response.status_code == 302
    assert response["X-Reservation-Outcome"] == "booked"
    booking = Booking.objects.get(user=user)
    assert response["Location"] == reverse("reservations:booking_detail", args=[booking.pk])
    # a double submit of the same form does not book twice
    client.post(_book_url(slot), {"party_size": "2", "idempotency_key": key})
    assert Booking.objects.filter(user=user).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert booking.code_display in page
    assert reverse("reservations:booking_qr", args=[booking.pk]) in page
    svg = client.get(reverse("reservations:booking_qr", args=[booking.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    ics = client.get(reverse("reservations:booking_ics", args=[booking.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VEVENT" in body and "DTSTART:" in body and booking.code_display in body


def test_signed_out_visitors_are_sent_to_sign_in(client):
    slot = make_slot()
    response = client.get(_book_url(slot))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_field_errors_are_shown_next_to_fields_and_keep_what_was_typed(client):
    resource = make_resource(
        required_fields=[
            {"key": "name", "type": "text", "label": "氏名", "required": True},
            {"key": "note", "type": "text", "label": "ご用件", "validation": {"max_length": 5}},
        ]
    )
    slot = make_slot(resource)
    client.force_login(make_user())
    response = client.post(
        _book_url(slot), {"party_size": "1", "info-name": "", "info-note": "とても長いご用件です"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_info-name"' in page
    assert 'aria-describedby="id_info-note-error"' in page
    assert "とても長いご用件です" in page
    assert not Booking.objects.exists()


def test_the_required_information_is_drawn_by_each_field_type_with_errors_next_to_its_parts(client):
    resource = make_resource(
        required_fields=[
            {"key": "who", "type": "name", "label": "お名前", "required": True, "kana": False},
            {"key": "note", "type": "textarea", "label": "ご用件"},
            {
                "key": "way",
                "type": "radio",
                "label": "来庁方法",
                "options": [{"value": "bus", "label": "バス"}],
            },
            {"key": "mail", "type": "email", "label": "メール"},
        ]
    )
    slot = make_slot(resource)
    client.force_login(make_user())
    response = client.post(
        _book_url(slot), {"party_size": "1", "info-who.family": "山田", "info-note": "相談", "info-mail": "x"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert '<textarea id="id_info-note" name="info-note"' in page and ">相談</textarea>" in page
    assert 'type="radio"' in page and 'name="info-way" value="bus"' in page
    assert 'name="info-mail"' in page and 'inputmode="email"' in page
    assert 'name="info-who.family" value="山田"' in page
    # the missing given name: its message next to that part, and the summary links to it
    assert 'id="id_info-who.given-error"' in page and 'href="#id_info-who.given"' in page
    assert not Booking.objects.exists()


def test_a_full_slot_answers_full_and_later_visitors_get_the_cached_full_page(
    client, django_assert_num_queries
):
    slot = make_slot(capacity=1)
    booking_create(user=make_user(), slot_id=slot.pk)
    client.force_login(make_user())
    # the last place was taken via the service: its on_commit set the hint only in a real commit,
    # so the first visitor hits the database and is told it is full
    response = client.post(_book_url(slot), {"party_size": "1"})
    assert response.status_code == 409
    assert response["X-Reservation-Outcome"] == "full"
    from django.core.cache import cache

    from madoguchi.reservations.selectors import full_flag_key

    cache.set(full_flag_key(slot.pk), 1, 60)
    with django_assert_num_queries(0):
        response = client.get(_book_url(slot))
    assert response["X-Reservation-Outcome"] == "full"


def test_cancel_from_the_booking_page_returns_the_place(client):
    slot = make_slot(capacity=1)
    user = make_user()
    booking = booking_create(user=user, slot_id=slot.pk)
    client.force_login(user)
    assert client.get(reverse("reservations:booking_cancel", args=[booking.pk])).status_code == 200
    response = client.post(reverse("reservations:booking_cancel", args=[booking.pk]))
    assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.booked_count == 0


def test_change_page_moves_the_booking(client):
    resource = make_resource()
    first, second = make_slot(resource, starts_in_hours=30), make_slot(resource, starts_in_hours=60)
    user = make_user()
    booking = booking_create(user=user, slot_id=first.pk)
    client.force_login(user)
    page = client.get(reverse("reservations:booking_change", args=[booking.pk])).content.decode()
    assert f'value="{second.pk}"' in page
    empty = client.post(reverse("reservations:booking_change", args=[booking.pk]), {})
    assert "変更先の日時を選んでください" in empty.content.decode()
    client.post(reverse("reservations:booking_change", args=[booking.pk]), {"slot": str(second.pk)})
    booking.refresh_from_db()
    assert booking.slot_id == second.pk


# ---------------------------------------------------------------- isolation


def test_another_users_booking_is_not_found(client):
    booking = booking_create(user=make_user(), slot_id=make_slot().pk)
    client.force_login(make_user())
    for name in ("booking_detail", "booking_ics", "booking_qr", "booking_cancel", "booking_change"):
        assert client.get(reverse(f"reservations:{name}", args=[booking.pk])).status_code == 404
    assert client.post(reverse("reservations:booking_cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_api_hides_other_peoples_bookings(client):
    booking = booking_create(user=make_user(), slot_id=make_slot().pk)
    client.force_login(make_user())
    response = client.get(reverse("api:reservations_booking", args=[booking.pk]))
    assert response.status_code == 404
    assert client.get(reverse("api:reservations_bookings")).json() == []


# ---------------------------------------------------------------- API


def test_api_books_and_reports_field_errors_and_conflicts(client):
    resource = make_resource(
        capacity=1, required_fields=[{"key": "name", "type": "text", "label": "氏名", "required": True}]
    )
    slot = make_slot(resource)
    client.force_login(make_user())
    url = reverse("api:reservations_booking_create")
    bad = client.post(url, json.dumps({"slot_id": slot.pk, "data": {}}), content_type="application/json")
    assert bad.status_code == 422
    assert "name" in bad.json()["error"]["fields"]
    ok = client.post(
        url, json.dumps({"slot_id": slot.pk, "data": {"name": "山田"}}), content_type="application/json"
    )
    assert ok.status_code == 201
    assert ok.json()["status"] == "confirmed"
    client.force_login(make_user())
    full = client.post(
        url, json.dumps({"slot_id": slot.pk, "data": {"name": "佐藤"}}), content_type="application/json"
    )
    assert full.status_code == 409 and full.json()["error"]["code"] == "full"
    slots = client.get(reverse("api:reservations_slots", args=[resource.pk])).json()
    assert slots[0]["remaining"] == 0 and slots[0]["state"] == "full"


# ---------------------------------------------------------------- staff


def test_staff_check_in_by_typed_or_scanned_code(client):
    resource = make_resource(
        closes_hours_before=0, required_fields=[{"key": "name", "type": "text", "label": "お名前"}]
    )
    slot = make_slot(resource, starts_in_hours=0)  # starts now: today, whenever the test runs
    booking = booking_create(
        user=make_user(),
        slot_id=slot.pk,
        data={"name": "窓口 太郎"},
        now=slot.starts_at - timezone.timedelta(hours=1),
    )
    staff = make_staff(resource.organization, role="counter")
    client.force_login(staff)
    page = client.get(reverse("reservations:staff_checkin") + f"?code={booking.code.lower()}")
    assert page.status_code == 200
    assert booking.code_display in page.content.decode()
    assert "<dt>お名前</dt><dd>窓口 太郎</dd>" in page.content.decode()
    response = client.post(reverse("reservations:staff_booking_action", args=[booking.pk, "check-in"]))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN


def test_staff_pages_are_not_found_for_people_outside_the_organization(client):
    resource = make_resource()
    booking = booking_create(user=make_user(), slot_id=make_slot(resource).pk)
    client.force_login(make_user())
    assert client.get(reverse("reservations:staff_day", args=[resource.pk])).status_code == 404
    assert (
        client.post(reverse("reservations:staff_booking_action", args=[booking.pk, "check-in"])).status_code
        == 404
    )
    missing = client.get(reverse("reservations:staff_checkin") + f"?code={booking.code}")
    assert missing.status_code == 404 and "見つかりません" in missing.content.decode()


def test_staff_day_lists_bookings_and_blocks_slots(client):
    resource = make_resource()
    slot = make_slot(resource)
    booking = booking_create(user=make_user(), slot_id=slot.pk)
    staff = make_staff(resource.organization, role="counter")
    client.force_login(staff)
    day = timezone.localtime(slot.starts_at).date()
    page = client.get(reverse("reservations:staff_day", args=[resource.pk]) + f"?date={day.isoformat()}")
    assert booking.code_display in page.content.decode()
    client.post(reverse("reservations:staff_slot_block", args=[slot.pk]), {"reason": "設備点検"})
    slot.refresh_from_db()
    assert slot.is_blocked and slot.block_reason == "設備点検"
    bad_date = client.get(reverse("reservations:staff_day", args=[resource.pk]) + "?date=2026-13-40")
    assert "日付は" in bad_date.content.decode()


def test_the_booking_form_starts_with_the_signed_in_persons_name_which_they_may_change(client):
    resource = make_resource(
        required_fields=[
            {
                "key": "name",
                "type": "text",
                "label": "お名前",
                "required": True,
                "autocomplete": "name",
                "prefill": True,
            },
            {"key": "who", "type": "name", "label": "代表者", "kana": False, "prefill": True},
            {"key": "mail", "type": "email", "label": "連絡先", "prefill": True},
            {"key": "note", "type": "text", "label": "ご用件"},  # not marked: stays empty
        ]
    )
    slot = make_slot(resource)
    user = make_user(display_name="山田 花子")
    client.force_login(user)
    page = client.get(_book_url(slot)).content.decode()
    assert 'value="山田 花子"' in page
    assert 'value="山田"' in page and 'value="花子"' in page  # the name type splits it
    assert f'value="{user.email}"' in page
    response = client.post(
        _book_url(slot),
        {
            "party_size": "1",
            "info-name": "山田 太郎",  # booking for her husband: the prefilled name is only a start
            "info-who.family": "山田",
            "info-who.given": "太郎",
            "info-mail": user.email,
            "idempotency_key": "prefill-1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Booking.objects.get().data["name"] == "山田 太郎"


def test_a_one_box_name_or_address_takes_the_account_value_only_when_it_says_what_it_holds():
    from madoguchi.procedures.fields import get_field_type

    spec = {"key": "name", "type": "text", "autocomplete": "name", "prefill": True}
    text = get_field_type("text")
    assert text.from_profile({"name": "山田 花子"}, spec) == "山田 花子"
    assert text.from_profile({"name": {"family": "山田", "given": "花子"}}, spec) == "山田 花子"
    assert text.from_profile({"email": "a@example.jp"}, {**spec, "autocomplete": "email"}) == "a@example.jp"
    assert text.from_profile({"name": "山田 花子"}, {**spec, "autocomplete": "organization"}) is None


def test_the_booking_page_finds_its_slot_only_under_its_own_public_resource(client):
    from madoguchi.reservations.models import Resource

    client.force_login(make_user())
    slot, other = make_slot(), make_slot()
    mine, theirs = slot.resource, other.resource
    assert client.get(_book_url(slot)).status_code == 200
    for org, res, slot_id in (
        (mine.organization.slug, mine.slug, other.pk),  # another resource's slot
        (theirs.organization.slug, mine.slug, slot.pk),  # the right slug in another organization
        (mine.organization.slug, mine.slug, 999999),
    ):
        url = reverse("reservations:booking_new", args=[org, res, slot_id])
        assert client.get(url).status_code == 404, url
    Resource.objects.filter(pk=mine.pk).update(is_public=False)
    assert client.get(_book_url(slot)).status_code == 404


def test_a_booking_post_reads_the_slot_once(client):
    """The page's read of slot, resource and organization is handed to the booking service."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    slot = make_slot(capacity=3)
    client.force_login(make_user())
    form = client.get(_book_url(slot))
    key = _form_value(form, "idempotency_key")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(_book_url(slot), {"party_size": "1", "idempotency_key": key})
    assert response.status_code == 302
    slot_reads = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and 'FROM "reservations_slot"' in q["sql"]
    ]
    assert len(slot_reads) == 1, slot_reads


def test_the_booking_form_is_drawn_once_and_each_person_gets_their_own_token_key_and_places_left():
    """The form as first seen is shared (views/applicant.py): only the CSRF token, the
    idempotency key and the places left differ — and each person's token is their own."""
    from django.test import Client

    from madoguchi.reservations.views import applicant

    slot = make_slot(capacity=3)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(make_user())
    second.force_login(make_user())
    page_a, page_b = first.get(_book_url(slot)), second.get(_book_url(slot))
    assert page_a.status_code == page_b.status_code == 200
    tokens = [_form_value(p, "csrfmiddlewaretoken") for p in (page_a, page_b)]
    keys = [_form_value(p, "idempotency_key") for p in (page_a, page_b)]
    assert tokens[0] != tokens[1] and keys[0] != keys[1]
    bodies = [p.content.decode() for p in (page_a, page_b)]
    for body in bodies:
        assert "残り 3" in body
        for mark in (applicant._CSRF_MARK, applicant._KEY_MARK, str(applicant._LEFT_MARK)):
            assert mark not in body
    same = [b.replace(t, "T").replace(k, "K") for b, t, k in zip(bodies, tokens, keys, strict=True)]
    assert same[0] == same[1]  # nothing else differs

    # the second person's token is refused for the first: each page carries its reader's own
    refused = first.post(_book_url(slot), {"csrfmiddlewaretoken": "x" * 64, "idempotency_key": keys[0]})
    assert refused.status_code == 403
    booked = first.post(
        _book_url(slot), {"party_size": "1", "csrfmiddlewaretoken": tokens[0], "idempotency_key": keys[0]}
    )
    assert booked.status_code == 302 and booked["X-Reservation-Outcome"] == "booked"
    assert "残り 2" in second.get(_book_url(slot)).content.decode()

    # a message waiting for the first person is shown on the form, not lost to the shared page
    other = make_slot(slot.resource, starts_in_hours=72)
    after = first.get(_book_url(other)).content.decode()
    assert "予約が完了しました" in after
    assert "予約が完了しました" not in first.get(_book_url(other)).content.decode()  # shown once

    # a change made by staff is seen at once; the language is the reader's
    slot.resource.name = "名前を変えた窓口"
    slot.resource.save(update_fields=["name"])
    assert "名前を変えた窓口" in second.get(_book_url(slot)).content.decode()
    second.cookies["django_language"] = "en"
    english = second.get(_book_url(slot)).content.decode()
    assert 'lang="en"' in english and "予約の入力" not in english


def test_a_form_with_values_from_the_account_is_not_shared(client):
    resource = make_resource(
        required_fields=[{"key": "mail", "type": "email", "label": "連絡先", "prefill": True}]
    )
    slot = make_slot(resource)
    for user in (make_user(), make_user()):
        client.force_login(user)
        assert f'value="{user.email}"' in client.get(_book_url(slot)).content.decode()


def test_a_menu_entry_that_asks_who_reads_it_makes_the_form_be_drawn_per_person(client):
    from madoguchi.core import menus

    slot = make_slot()
    entry = menus.MenuEntry(
        menu=menus.APPLICANT,
        key="only-for-some",
        label="一部の人だけ",
        url_name="reservations:mine",
        when=lambda viewer: viewer.user is not None and viewer.user.email.startswith("vip"),
    )
    menus.register(entry)
    try:
        vip, other = make_user(email="vip@example.jp"), make_user()
        client.force_login(vip)
        assert "一部の人だけ" in client.get(_book_url(slot)).content.decode()
        client.force_login(other)
        assert "一部の人だけ" not in client.get(_book_url(slot)).content.decode()
    finally:
        menus._registry.entries.pop(f"{entry.menu}:{entry.key}", None)
