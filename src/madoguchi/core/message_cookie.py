"""Django's message storage (``FallbackStorage``: a cookie, the session for what does not fit)
with the cookie's payload made once per process for each distinct list of messages.

``django.contrib.messages.storage.cookie.CookieStorage`` builds a signer on every request
(``signing.get_cookie_signer``: the backend imported by name, the keys derived) and, on an
answer that adds a message, serializes it, zlib-compresses it (a fresh deflate state of some
hundred KiB each time), base64-encodes it and signs it. On a booking POST that was ≈ 0.37 M
instructions, ≈ 4.5 % of the request, for the same 「予約が完了しました。…」 every time
(docs/performance.md, "Issue 19, tenth session (helper h2)").

Django's ``Signer.sign_object`` is ``sign(payload)``, where the payload (the JSON, compressed
when that is shorter, base64, a leading "." when compressed) depends on the messages only. So
``CookieStorage._encode_parts`` keeps the payload per process by the serialized messages (a
bounded dict, cleared when full), made by Django's own ``sign_object`` with a signer whose
``sign`` returns its value, and then signs it with the request's signer as Django does — with
its timestamp (``TimestampSigner``, the default ``SIGNING_BACKEND``) and key, every time. A
backend with its own ``sign_object`` is used as Django uses it. The signer is built only when
a cookie is read or written, so a request that neither reads nor adds a message builds none.
With the default ``SIGNING_BACKEND`` (``TimestampSigner``) it is ``core.signer.DerivedKeySigner``
with ``get_cookie_signer``'s keys and salt: the same values, its HMAC key derived once per
secret rather than per signature. Reading is Django's own (``SECRET_KEY_FALLBACKS`` included). ``core/tests/test_message_cookie.py``
holds the cookies to Django's, answer for answer. Used by ``core.middleware.MessageMiddleware``
when ``MESSAGE_STORAGE`` is Django's default.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import CookieStorage as DjangoCookieStorage
from django.contrib.messages.storage.cookie import MessagePartGatherSerializer
from django.contrib.messages.storage.fallback import FallbackStorage as DjangoFallbackStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.functional import cached_property

from madoguchi.core.signer import DerivedKeySigner

_PAYLOADS: dict[tuple[str, ...], str] = {}
_PAYLOADS_MAX = 256  # distinct message lists kept; a bound, not a cache policy (texts with numbers vary)
_PAYLOADS_LOCK = threading.Lock()


class _PayloadOnly(signing.Signer):
    """``sign_object`` up to the signature: its ``sign`` gives the payload back."""

    def sign(self, value: str) -> str:
        return value


_PAYLOAD = _PayloadOnly(key="payload only: never signs", fallback_keys=[])
TIMESTAMP_SIGNER = "django.core.signing.TimestampSigner"  # Django's default SIGNING_BACKEND


def cookie_signer_key(secret: str | bytes) -> bytes:
    """The key ``signing.get_cookie_signer`` signs cookies with for a secret."""
    return b"django.http.cookies" + force_bytes(secret)


class CookieStorage(DjangoCookieStorage):
    def __init__(self, request: Any, *args: Any, **kwargs: Any) -> None:
        BaseStorage.__init__(self, request, *args, **kwargs)  # the signer when first needed

    @cached_property
    def signer(self) -> signing.Signer:  # type: ignore[override]
        if settings.SIGNING_BACKEND == TIMESTAMP_SIGNER:  # get_cookie_signer's, the key kept
            return DerivedKeySigner(
                key=cookie_signer_key(settings.SECRET_KEY),
                fallback_keys=[cookie_signer_key(key) for key in settings.SECRET_KEY_FALLBACKS],
                salt=self.key_salt,
            )
        return signing.get_cookie_signer(salt=self.key_salt)

    def _encode_parts(self, messages: list[str], encode_empty: bool = False) -> str | None:
        if not (messages or encode_empty):
            return None
        signer = self.signer
        if type(signer).sign_object is not signing.Signer.sign_object:  # as Django, every time
            return super()._encode_parts(messages, encode_empty=encode_empty)
        key = tuple(messages)
        payload = _PAYLOADS.get(key)
        if payload is None:
            payload = _PAYLOAD.sign_object(messages, serializer=MessagePartGatherSerializer, compress=True)
            with _PAYLOADS_LOCK:
                if len(_PAYLOADS) >= _PAYLOADS_MAX:
                    _PAYLOADS.clear()
                _PAYLOADS[key] = payload
        return signer.sign(payload)


class FallbackStorage(DjangoFallbackStorage):
    storage_classes = (CookieStorage, SessionStorage)
