"""The waiting room's own door: a GET of a first-come booking page is let through the gate before
the session, CSRF, sign-in and messages middleware run.

In an opening rush most answers are the crowd's pages — "you are in the queue" and "full" —
and they read no session, show no message and carry no form (``views/gate.py``). Through the
whole middleware stack and Django's URL resolution, about a fifth of such a page's instructions
went to work the page never uses (docs/performance.md, "Issue 19, eighth session").
Here the gate runs first: a visitor it does not let in gets the page through the middleware such
a page does need (``LIGHT``: language, host check and length, frame options — the same
classes, in the same order as in ``settings.MIDDLEWARE``); a visitor it lets in goes on through
the whole stack, and the view's gate (``waiting_room_gate``) uses the admission made here
instead of asking the bucket again. Everything before this middleware in ``settings.MIDDLEWARE``
(security headers, no-store for personal pages, the size limit) applies to both.

What ``LIGHT`` does for the gate's pages is written out (``_light``: the language of the
request, the host check, frame options, length, ``Vary`` and ``Content-Language``), as the token
API's lane does it (decision 0030): the three middlewares' own calls were about a tenth of a
queue page (docs/performance.md, "Issue 19, tenth session (helper h1)"). When the settings ask
for what it does not do — language prefixes in the URLs, ``PREPEND_WWW``, disallowed user
agents — or the request has a URL configuration of its own, the page goes through ``LIGHT``'s
instances themselves; ``reservations/tests/test_gate_middleware.py`` holds the two to the same
answers.

POSTs go the long way: a queued POST's page carries what was typed and a CSRF token.
"""

from __future__ import annotations

import re
from functools import cache

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import translation

from madoguchi.core.headers import light_response_headers
from madoguchi.reservations.views.gate import ADMISSION_ATTRIBUTE, gate_admission, gate_page

# The middleware after this one that the gate's own pages pass through, in settings' order.
LIGHT = (LocaleMiddleware, CommonMiddleware, XFrameOptionsMiddleware)
# The middleware after this one that they do not need, and why. Every middleware after this one
# is in one of the two lists (reservations/tests/test_gate_middleware.py), so a new one is a
# decision, not an accident.
SKIPPED = {
    "madoguchi.core.middleware.SessionMiddleware": "the pages read no session",
    "madoguchi.core.middleware.CsrfViewMiddleware": "a GET, and the pages carry no form",
    "madoguchi.accounts.middleware.AuthenticationMiddleware": "the pages do not ask who reads them",
    "madoguchi.core.middleware.MessageMiddleware": "the pages show no message",
}


@cache
def booking_path() -> re.Pattern[str] | None:
    """The booking page's path as a pattern, from its URL (so a changed prefix moves it too)."""
    try:
        sample = reverse("reservations:booking_new", args=["org0slug", "res0slug", 987654323])
    except NoReverseMatch:
        return None
    prefix = get_script_prefix()  # served below a path (SCRIPT_NAME): path_info is without it
    if sample.startswith(prefix):
        sample = "/" + sample[len(prefix) :]
    pattern = re.escape(sample)
    pattern = pattern.replace("org0slug", r"(?P<org>[-a-zA-Z0-9_]+)", 1)
    pattern = pattern.replace("res0slug", r"(?P<res>[-a-zA-Z0-9_]+)", 1)
    pattern = pattern.replace("987654323", r"(?P<slot>[0-9]+)", 1)
    return re.compile(f"^{pattern}$")


class WaitingRoomMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        light = self._answer
        for middleware in reversed(LIGHT):
            light = middleware(light)
        self.light = light  # the middlewares themselves: when _light stands aside
        self.common = CommonMiddleware(light)  # its 404 handling (never a gate's page, kept as it is)

    def __call__(self, request):
        if request.method == "GET":
            pattern = booking_path()
            match = pattern.match(request.path_info) if pattern is not None else None
            if match is not None:
                org, res, slot_id = match["org"], match["res"], int(match["slot"])
                admission = gate_admission(request, org, res, slot_id)
                if not admission.admitted:  # the page is drawn in the language LIGHT chose
                    request._waiting_room_refused = (admission, org, res)
                    return self._light(request)
                setattr(request, ADMISSION_ATTRIBUTE, admission)
        return self.get_response(request)

    def _light(self, request):
        """``LIGHT`` around the gate's page, written out: the same steps in the same order."""
        if (
            settings.PREPEND_WWW
            or settings.DISALLOWED_USER_AGENTS
            or "urlconf" in request.__dict__
            or is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]
        ):
            return self.light(request)
        # LocaleMiddleware.process_request without language prefixes in the URLs
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        # CommonMiddleware.process_request: a host not allowed raises DisallowedHost (a 400)
        request.get_host()
        # frame options, content length, language: as the three middlewares answer
        return light_response_headers(request, self._answer(request), self.common)

    @staticmethod
    def _answer(request):
        admission, org, res = request._waiting_room_refused
        return gate_page(request, admission, org, res)
