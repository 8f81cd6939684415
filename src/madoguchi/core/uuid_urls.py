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

import functools
import uuid

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_SAMPLE = uuid.UUID("5a3c0e1f-7d2b-4c8e-9f60-13b7a4d2e9c5")
_SAMPLE_TEXT = str(_SAMPLE)


def reverse_with_uuid(viewname: str, value: object) -> str:
    """``reverse(viewname, args=[value])`` for a URL taking one UUID."""
    if type(value) is not uuid.UUID:
        return reverse(viewname, args=[value])
    template = _template(viewname, get_urlconf(), get_script_prefix(), get_language())
    if not template:
        return reverse(viewname, args=[value])
    return template.replace(_SAMPLE_TEXT, str(value))


@functools.lru_cache(maxsize=256)
def _template(viewname: str, urlconf: object, prefix: str, language: str | None) -> str:
    """The sample's URL under the URL configuration, script prefix and language the arguments
    name (the current ones, which ``reverse`` reads), or "" when the URL does not show the
    sample once (then ``reverse`` every time). A ``NoReverseMatch`` is raised, not kept."""
    url = reverse(viewname, args=[_SAMPLE])
    return url if url.count(_SAMPLE_TEXT) == 1 else ""


@receiver(setting_changed)
def _forget_on_new_urls(*, setting: str, **kwargs: object) -> None:
    if setting == "ROOT_URLCONF":  # as Django clears its own URL caches (tests)
        _template.cache_clear()
