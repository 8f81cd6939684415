"""``reverse()`` of a URL whose one argument is a UUID, resolved once per process.

``django.urls.reverse`` walks the namespaces, picks the pattern, converts and checks the
argument against the pattern's regular expression and quotes the result on every call: ≈ 0.15 M
instructions, with ``redirect()`` around it ≈ 0.2 M — ≈ 2.5 % of a booking POST, whose answer
is a redirect to the new booking's page (docs/performance.md, "Issue 19, tenth session
(helper h2)"). For a UUID the path converter writes ``str(value)`` (hex digits and hyphens,
which the pattern accepts and quoting leaves alone), so the URL of any UUID is the URL of
one sample with the sample's text replaced. ``reverse_with_uuid`` reverses that sample once per
view name, URL configuration, script prefix and language, and fills the value in; anything
else (a value that is not a ``uuid.UUID``, a URL that does not show the sample once) goes to
``reverse``. ``core/tests/test_uuid_urls.py`` holds it to ``reverse``.
"""

from __future__ import annotations

import threading
import uuid

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_SAMPLE = uuid.UUID("5a3c0e1f-7d2b-4c8e-9f60-13b7a4d2e9c5")
_SAMPLE_TEXT = str(_SAMPLE)
_TEMPLATES: dict[tuple[str, object, str, str | None], str] = {}
_TEMPLATES_MAX = 256
_TEMPLATES_LOCK = threading.Lock()


def reverse_with_uuid(viewname: str, value: object) -> str:
    """``reverse(viewname, args=[value])`` for a URL taking one UUID."""
    if type(value) is not uuid.UUID:
        return reverse(viewname, args=[value])
    key = (viewname, get_urlconf(), get_script_prefix(), get_language())
    template = _TEMPLATES.get(key)
    if template is None:
        template = reverse(viewname, args=[_SAMPLE])
        if template.count(_SAMPLE_TEXT) != 1:
            template = ""  # the sample is not shown as it is: reverse every time
        with _TEMPLATES_LOCK:
            if len(_TEMPLATES) >= _TEMPLATES_MAX:
                _TEMPLATES.clear()
            _TEMPLATES[key] = template
    if not template:
        return reverse(viewname, args=[value])
    return template.replace(_SAMPLE_TEXT, str(value))
