"""``core.uuid_urls.reverse_with_uuid`` is ``reverse(viewname, args=[value])``: for any UUID, under
a script prefix, in either language, after the URL configuration changes; anything else is
``reverse``'s own answer (or error)."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, path, reverse, set_script_prefix
from django.utils import translation

from madoguchi.core import uuid_urls
from madoguchi.core.uuid_urls import reverse_with_uuid

VIEW = "reservations:booking_detail"


def _view(request, **kwargs):  # pragma: no cover - only reversed
    raise AssertionError


urlpatterns = [
    path("other/<uuid:booking_id>/page/", _view, name="other_page"),
    path("text/<str:key>/", _view, name="text_page"),
]


@pytest.fixture(autouse=True)
def _fresh():
    uuid_urls._template.cache_clear()
    yield
    uuid_urls._template.cache_clear()
    clear_script_prefix()


def test_any_uuid_gives_reverses_url():
    for value in [uuid.uuid4() for _ in range(200)] + [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)]:
        assert reverse_with_uuid(VIEW, value) == reverse(VIEW, args=[value])
    assert uuid_urls._template.cache_info().currsize == 1  # reversed once


def test_the_sample_itself_and_a_value_that_shows_it_are_filled_in_as_reverse_does():
    sample = uuid_urls._SAMPLE
    assert reverse_with_uuid(VIEW, sample) == reverse(VIEW, args=[sample])


@pytest.mark.parametrize("prefix", ["/", "/madoguchi/", "/sub/path/"])
def test_under_a_script_prefix(prefix):
    value = uuid.uuid4()
    set_script_prefix(prefix)
    assert reverse_with_uuid(VIEW, value) == reverse(VIEW, args=[value])
    assert reverse_with_uuid(VIEW, value).startswith(prefix)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_in_either_language(language):
    value = uuid.uuid4()
    with translation.override(language):
        assert reverse_with_uuid(VIEW, value) == reverse(VIEW, args=[value])


@override_settings(ROOT_URLCONF=__name__)
def test_another_url_configuration_is_reversed_on_its_own():
    value = uuid.uuid4()
    assert (
        reverse_with_uuid("other_page", value)
        == reverse("other_page", args=[value])
        == f"/other/{value}/page/"
    )
    with pytest.raises(NoReverseMatch):
        reverse_with_uuid(VIEW, value)  # not in this configuration


@override_settings(ROOT_URLCONF=__name__)
def test_a_value_that_is_not_a_uuid_goes_to_reverse():
    assert reverse_with_uuid("text_page", "abc") == reverse("text_page", args=["abc"])
    value = uuid.uuid4()
    assert reverse_with_uuid("other_page", str(value)) == reverse("other_page", args=[str(value)])
    assert uuid_urls._template.cache_info().currsize == 0
    with pytest.raises(NoReverseMatch):
        reverse_with_uuid("other_page", "not a uuid")


@override_settings(ROOT_URLCONF=__name__)
def test_a_url_that_does_not_show_the_sample_as_it_is_is_reversed_every_time():
    value = uuid.uuid4()
    # a str converter takes the UUID too; the page's URL shows it: kept
    assert reverse_with_uuid("text_page", value) == reverse("text_page", args=[value])
    uuid_urls._template.cache_clear()
    original = uuid_urls._SAMPLE_TEXT
    try:
        uuid_urls._SAMPLE_TEXT = "not-in-any-url"
        assert reverse_with_uuid("other_page", value) == reverse("other_page", args=[value])
        assert uuid_urls._template.cache_info().currsize == 1
        assert uuid_urls._template("other_page", None, "/", translation.get_language()) == ""
    finally:
        uuid_urls._SAMPLE_TEXT = original


def test_the_kept_urls_are_bounded():
    value = uuid.uuid4()
    bound = uuid_urls._template.cache_info().maxsize
    assert bound == 256
    for n in range(bound + 10):
        set_script_prefix(f"/p{n}/")
        assert reverse_with_uuid(VIEW, value) == reverse(VIEW, args=[value])
    assert uuid_urls._template.cache_info().currsize == bound


def test_a_new_url_configuration_is_not_answered_from_the_old_one():
    value = uuid.uuid4()
    assert reverse_with_uuid(VIEW, value) == reverse(VIEW, args=[value])
    with override_settings(ROOT_URLCONF=__name__), pytest.raises(NoReverseMatch):
        reverse_with_uuid(VIEW, value)  # not in this configuration, though kept from the first
