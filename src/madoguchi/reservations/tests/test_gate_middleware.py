"""The waiting room's middleware (``reservations/middleware.py``): the crowd's pages of a booking
GET answered before the session's middleware, the same pages as the long way gives them; a
visitor let in asks the bucket once; every middleware after it is a decision."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.middleware.locale import LocaleMiddleware
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from madoguchi.core.testing import make_slot, make_user, record_middleware_entries
from madoguchi.reservations import middleware
from madoguchi.reservations.selectors import full_flag_key
from madoguchi.reservations.waiting_room import gate
from madoguchi.reservations.waiting_room.passes import PASS_COOKIE

pytestmark = pytest.mark.django_db

THIS = "madoguchi.reservations.middleware.WaitingRoomMiddleware"
WITHOUT = [m for m in settings.MIDDLEWARE if m != THIS]
NOBODY_IN = {
    "RESERVATIONS_WAITING_ROOM_RATE": 0.001,
    "RESERVATIONS_WAITING_ROOM_BURST": 0,
    "RESERVATIONS_WAITING_ROOM_MAX_BURST": 0,
}


def _url(slot):
    r = slot.resource
    return reverse("reservations:booking_new", args=[r.organization.slug, r.slug, slot.pk])


def test_every_middleware_after_it_is_taken_or_skipped_on_purpose():
    after = settings.MIDDLEWARE[settings.MIDDLEWARE.index(THIS) + 1 :]
    light = [m for m in after if m not in middleware.SKIPPED]
    assert [import_string(m) for m in light] == list(middleware.LIGHT)  # the same, in the same order
    assert set(middleware.SKIPPED) <= set(after)


def test_the_booking_path_pattern_is_the_url_of_the_booking_page():
    pattern = middleware.booking_path()
    url = reverse("reservations:booking_new", args=["tokyo-ku", "setsumei_kai", 42])
    match = pattern.match(url)
    assert (match["org"], match["res"], match["slot"]) == ("tokyo-ku", "setsumei_kai", "42")
    for other in (url + "x/", url[:-1], url.replace("/book/", "/look/"), url.replace("42", "4a2")):
        assert pattern.match(other) is None


def test_the_booking_path_pattern_is_the_path_info_below_a_script_prefix():
    from django.urls import set_script_prefix

    middleware.booking_path.cache_clear()
    set_script_prefix("/madoguchi/")
    try:
        pattern = middleware.booking_path()
    finally:
        set_script_prefix("/")
        middleware.booking_path.cache_clear()
    assert pattern.match("/reservations/r/tokyo-ku/setsumei/book/7/")


def _strip(response, slot):
    """What a page says, apart from the date, the visitor's own signed cookie and its path (and
    so its length, which is checked)."""
    assert int(response["Content-Length"]) == len(response.content)
    headers = {k: v for k, v in response.headers.items() if k not in ("Date", "Content-Length")}
    cookies = {
        name: (m["path"], m["max-age"], m["httponly"], m["samesite"]) for name, m in response.cookies.items()
    }
    return response.status_code, headers, cookies, _page(response, slot)


def _page(response, slot) -> str:
    url = _url(slot)
    return response.content.decode().replace(url, "BOOKING").replace(url.split("book/")[0], "RESOURCE")


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_queue_page_is_the_page_the_long_way_gives(language, signed_in):
    person = make_user()
    pages = []
    for chain in (settings.MIDDLEWARE, WITHOUT):
        slot = make_slot()
        with override_settings(MIDDLEWARE=chain, **NOBODY_IN):
            browser = Client(REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE=language)
            if signed_in:
                browser.force_login(person)
            pages.append(_strip(browser.get(_url(slot)), slot))
    short, long = pages
    assert short == long
    status, headers, cookies, body = short
    assert status == 200 and headers["X-Reservation-Outcome"].startswith("queued; position=1")
    assert headers["Content-Language"] == language and headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in headers
    assert ("1 番目" in body) == (language == "ja")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_full_page_is_the_page_the_long_way_gives(language):
    person = make_user()
    pages = []
    for chain in (settings.MIDDLEWARE, WITHOUT):
        slot = make_slot()
        cache.set(full_flag_key(slot.pk), 1, 60)
        with override_settings(MIDDLEWARE=chain):
            browser = Client(HTTP_ACCEPT_LANGUAGE=language)
            browser.force_login(person)
            pages.append(_strip(browser.get(_url(slot)), slot))
    short, long = pages
    assert short == long
    assert short[1]["X-Reservation-Outcome"] == "full" and "no-store" in short[1]["Cache-Control"]


def test_a_queued_visitor_goes_round_the_session_csrf_sign_in_and_messages(
    monkeypatch, django_assert_num_queries
):
    entered = record_middleware_entries(monkeypatch, middleware.SKIPPED)
    slot = make_slot()
    url = _url(slot)
    browser = Client()
    browser.force_login(make_user())
    with override_settings(**NOBODY_IN):
        Client().get(url)  # the first reads the places left into the cache
        entered.clear()
        with django_assert_num_queries(0):
            page = browser.get(url)
        assert page["X-Reservation-Outcome"].startswith("queued") and entered == []
    form = browser.get(_url(make_slot()))  # let in: the whole stack, as before
    assert "X-Reservation-Outcome" not in form and 'name="idempotency_key"' in form.content.decode()
    assert sorted(set(entered)) == sorted(middleware.SKIPPED)


def test_a_visitor_let_in_asks_the_bucket_once_and_gets_the_form(monkeypatch):
    slot = make_slot()
    asked = []
    admit = gate.admit

    def counted(**kwargs):
        asked.append(kwargs["slot"])
        return admit(**kwargs)

    monkeypatch.setattr(gate, "admit", counted)
    browser = Client()
    browser.force_login(make_user())
    form = browser.get(_url(slot))
    assert form.status_code == 200 and 'name="idempotency_key"' in form.content.decode()
    assert asked == [str(slot.pk)]
    assert any(name.startswith(PASS_COOKIE) for name in form.cookies)  # the pass, as before


# The door's LIGHT written out (``WaitingRoomMiddleware._light``) against LIGHT's instances, which
# it takes when a setting asks for what it does not do (here: a disallowed user agent that no
# visitor has, which changes nothing else).
THE_MIDDLEWARES = {"DISALLOWED_USER_AGENTS": [re.compile(r"^no such browser$")]}


def _count_locale_calls(monkeypatch) -> list:
    calls = []
    original = LocaleMiddleware.process_request

    def counted(self, request):
        calls.append(request.path_info)
        return original(self, request)

    monkeypatch.setattr(LocaleMiddleware, "process_request", counted)
    return calls


def _crowd_page(kind: str, chain_settings: dict, calls: list, **headers):
    slot = make_slot()
    url = _url(slot)
    if kind == "full":
        cache.set(full_flag_key(slot.pk), 1, 60)
    limits = {**NOBODY_IN, "RESERVATIONS_WAITING_ROOM_IP_LIMIT": 1} if kind == "limited" else NOBODY_IN
    with override_settings(**limits, **chain_settings):
        if kind == "limited":  # the address's one waiting place is taken
            Client(REMOTE_ADDR="198.51.100.9").get(url)
        browser = Client(REMOTE_ADDR="198.51.100.9", **headers)
        calls.clear()
        return _strip(browser.get(url), slot), len(calls)


@pytest.mark.parametrize("kind", ["queued", "limited", "full"])
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ACCEPT_LANGUAGE": "ja"},
        {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.8"},
        {"HTTP_ACCEPT_LANGUAGE": "fr"},
        {},
    ],
)
def test_the_written_out_light_answers_as_the_light_middlewares(monkeypatch, kind, headers):
    calls = _count_locale_calls(monkeypatch)
    written_out, locale_calls = _crowd_page(kind, {}, calls, **headers)
    assert locale_calls == 0  # LocaleMiddleware itself was not called
    middlewares, locale_calls = _crowd_page(kind, THE_MIDDLEWARES, calls, **headers)
    assert locale_calls == 1
    assert written_out == middlewares
    status, answer_headers, _cookies, _body = written_out
    assert status == (429 if kind == "limited" else 200)
    assert answer_headers["X-Reservation-Outcome"].startswith(kind)
    assert answer_headers["Vary"] == "Accept-Language" and answer_headers["X-Frame-Options"] == "DENY"
    assert answer_headers["Content-Language"] == (
        "en" if "en" in headers.get("HTTP_ACCEPT_LANGUAGE", "") else "ja"
    )


def test_the_language_cookie_chooses_the_page_language_both_ways(monkeypatch):
    pages = []
    for chain_settings in ({}, THE_MIDDLEWARES):
        slot = make_slot()
        browser = Client(HTTP_ACCEPT_LANGUAGE="ja")
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        with override_settings(**NOBODY_IN, **chain_settings):
            pages.append(_strip(browser.get(_url(slot)), slot))
    assert pages[0] == pages[1] and pages[0][1]["Content-Language"] == "en"


def test_a_host_not_allowed_gets_the_same_400_both_ways():
    answers = []
    for chain_settings in ({}, THE_MIDDLEWARES):
        slot = make_slot()
        with override_settings(**NOBODY_IN, **chain_settings):
            response = Client(HTTP_HOST="elsewhere.example").get(_url(slot))
        answers.append((response.status_code, response.content, sorted(response.headers.items())))
    assert answers[0] == answers[1] and answers[0][0] == 400


def test_the_queue_page_says_no_store_as_patch_cache_control_writes_it():
    from django.http import HttpResponse
    from django.utils.cache import patch_cache_control

    from madoguchi.reservations.views.gate import NO_STORE, no_store

    written, patched = HttpResponse(), HttpResponse()
    no_store(written)
    patch_cache_control(patched, no_store=True, private=True)
    assert written["Cache-Control"] == patched["Cache-Control"] == NO_STORE
    # a page that already says something: patch_cache_control itself
    written["Cache-Control"] = patched["Cache-Control"] = "max-age=60"
    no_store(written)
    patch_cache_control(patched, no_store=True, private=True)
    assert written["Cache-Control"] == patched["Cache-Control"]
