"""``core.message_cookie``: Django's message storage whose cookie payload is made once per distinct
list of messages — the same ``Set-Cookie`` as Django's ``FallbackStorage`` on every answer (in
the same second: the default signer puts the time in it), read back by Django's own storage,
``SECRET_KEY_FALLBACKS`` honoured, a signing backend with its own ``sign_object`` used as is."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage as DjangoCookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage as DjangoFallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils.safestring import mark_safe

from madoguchi.core import message_cookie
from madoguchi.core.message_cookie import FallbackStorage
from madoguchi.core.middleware import MessageMiddleware

BOOKED = "予約が完了しました。確認メールもお送りしました。"


@pytest.fixture(autouse=True)
def _one_second(monkeypatch):
    """Every signature in the same second (``TimestampSigner`` signs the time too)."""
    monkeypatch.setattr(signing.time, "time", lambda: 1_796_000_000.25)
    message_cookie._PAYLOADS.clear()


class OwnSignObject(signing.TimestampSigner):
    def sign_object(self, obj, serializer=signing.JSONSerializer, compress=False):
        return super().sign_object(obj, serializer=serializer, compress=False)


def _request(cookie: str | None = None):
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES["messages"] = cookie
    request.session = SessionStore()
    return request


def _stored(storage_class, added: list[tuple[int, object, str]], cookie: str | None = None):
    """The answer's cookies and the session after ``added`` (level, text, tags) were stored."""
    request = _request(cookie)
    storage = storage_class(request)
    for level, text, tags in added:
        storage.add(level, text, extra_tags=tags)
    response = HttpResponse()
    unstored = storage.update(response)
    return (
        {name: morsel.output() for name, morsel in response.cookies.items()},
        dict(request.session),
        unstored,
    )


CASES = [
    [(messages.SUCCESS, BOOKED, "")],
    [(messages.SUCCESS, "Your booking is complete. We have also sent you a confirmation e-mail.", "")],
    [
        (messages.INFO, "一つ目", ""),
        (messages.WARNING, "二つ目", "tag other"),
        (messages.ERROR, "三つ目", ""),
    ],
    [(messages.SUCCESS, mark_safe("<b>安全な</b> HTML"), "")],
    # more than the cookie takes: the oldest go to the session, the cookie says "not finished"
    [(messages.INFO, f"{i}番目のお知らせ。" * 12, "") for i in range(40)],
]


@pytest.mark.parametrize("backend", ["django.core.signing.TimestampSigner", "django.core.signing.Signer"])
@pytest.mark.parametrize("added", CASES)
def test_the_cookie_and_the_session_are_djangos_on_the_first_answer_and_the_next(added, backend):
    with override_settings(SIGNING_BACKEND=backend):
        django = _stored(DjangoFallbackStorage, added)
        assert django[0]["messages"]  # the cookie was set
        assert _stored(FallbackStorage, added) == django  # the payload made here
        assert message_cookie._PAYLOADS
        assert _stored(FallbackStorage, added) == django  # the payload kept


def test_a_later_second_signs_a_later_time_as_django_does(monkeypatch):
    first = _stored(FallbackStorage, CASES[0])
    monkeypatch.setattr(signing.time, "time", lambda: 1_796_000_007.5)
    later = _stored(FallbackStorage, CASES[0])
    assert later != first
    assert later == _stored(DjangoFallbackStorage, CASES[0])


def test_what_django_stores_reads_back_and_what_it_reads_is_what_was_added():
    added = CASES[2]
    cookies, _session, _unstored = _stored(FallbackStorage, added)
    value = cookies["messages"].split("=", 1)[1].split(";", 1)[0]
    for storage_class in (DjangoCookieStorage, message_cookie.CookieStorage):
        read = list(storage_class(_request(value)))
        assert [(m.level, m.message, m.extra_tags) for m in read] == [
            (level, text, tags) for level, text, tags in added
        ]


def test_a_message_read_and_another_added_are_stored_as_django_stores_them():
    first, _session, _unstored = _stored(FallbackStorage, CASES[0])
    value = first["messages"].split("=", 1)[1].split(";", 1)[0]
    results = []
    for storage_class in (DjangoFallbackStorage, FallbackStorage):
        request = _request(value)
        storage = storage_class(request)
        storage.add(messages.INFO, "もう一つ")
        response = HttpResponse()
        storage.update(response)
        results.append(response.cookies["messages"].output())
    assert results[0] == results[1]


def test_a_used_message_deletes_the_cookie_as_djangos_does():
    first, _session, _unstored = _stored(FallbackStorage, CASES[0])
    value = first["messages"].split("=", 1)[1].split(";", 1)[0]
    outputs = []
    for storage_class in (DjangoFallbackStorage, FallbackStorage):
        storage = storage_class(_request(value))
        assert [m.message for m in storage] == [BOOKED]
        response = HttpResponse()
        storage.update(response)
        outputs.append(response.cookies["messages"].output())
    assert outputs[0] == outputs[1]
    assert "Max-Age=0" in outputs[1] or "expires=Thu, 01 Jan 1970" in outputs[1]


def test_another_secret_key_signs_another_value_and_the_old_one_is_read_while_it_is_a_fallback():
    with override_settings(SECRET_KEY="old-" + "k" * 60):
        old, _s, _u = _stored(FallbackStorage, CASES[0])
    with override_settings(SECRET_KEY="new-" + "k" * 60):
        new, _s, _u = _stored(FallbackStorage, CASES[0])
        assert new == _stored(DjangoFallbackStorage, CASES[0])[0]
    assert old != new
    old_value = old["messages"].split("=", 1)[1].split(";", 1)[0]
    with override_settings(SECRET_KEY="new-" + "k" * 60, SECRET_KEY_FALLBACKS=["old-" + "k" * 60]):
        assert [m.message for m in FallbackStorage(_request(old_value))] == [BOOKED]
    with override_settings(SECRET_KEY="new-" + "k" * 60, SECRET_KEY_FALLBACKS=[]):
        assert list(FallbackStorage(_request(old_value))) == []  # a forged or stale cookie is dropped


@override_settings(SIGNING_BACKEND=f"{__name__}.OwnSignObject")
def test_a_signing_backend_with_its_own_sign_object_is_used_as_django_uses_it():
    assert _stored(FallbackStorage, CASES[0]) == _stored(DjangoFallbackStorage, CASES[0])
    assert message_cookie._PAYLOADS == {}


def test_a_request_that_neither_reads_nor_adds_builds_no_signer():
    storage = FallbackStorage(_request())
    storage.update(HttpResponse())
    assert "signer" not in vars(storage.storages[0])


def test_the_kept_values_are_bounded(monkeypatch):
    monkeypatch.setattr(message_cookie, "_PAYLOADS_MAX", 3)
    for i in range(7):
        added = [(messages.INFO, f"申込番号 {i}", "")]
        assert _stored(FallbackStorage, added) == _stored(DjangoFallbackStorage, added)
        assert 1 <= len(message_cookie._PAYLOADS) <= 3


def test_the_middleware_uses_this_storage_unless_another_is_configured():
    middleware = MessageMiddleware(lambda request: HttpResponse())
    request = _request()
    middleware.process_request(request)
    assert type(request._messages) is FallbackStorage
    with override_settings(MESSAGE_STORAGE="django.contrib.messages.storage.session.SessionStorage"):
        request = _request()
        middleware.process_request(request)
        assert type(request._messages).__name__ == "SessionStorage"


def test_with_the_default_backend_the_signer_is_get_cookie_signers_with_its_key_kept():
    from madoguchi.core.signer import DerivedKeySigner

    with override_settings(SECRET_KEY="new-" + "k" * 60, SECRET_KEY_FALLBACKS=["old-" + "k" * 60]):
        ours = message_cookie.CookieStorage(_request()).signer
        django = signing.get_cookie_signer(salt=DjangoCookieStorage.key_salt)
        assert type(ours) is DerivedKeySigner
        assert (ours.key, list(ours.fallback_keys), ours.salt, ours.sep, ours.algorithm) == (
            django.key,
            list(django.fallback_keys),
            django.salt,
            django.sep,
            django.algorithm,
        )
        assert ours.sign("値") == django.sign("値")  # the same second (the fixture)
    with override_settings(SIGNING_BACKEND="django.core.signing.Signer"):
        assert type(message_cookie.CookieStorage(_request()).signer) is signing.Signer
