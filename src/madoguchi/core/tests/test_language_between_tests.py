"""A request in English must not leave the next test in English (conftest.py resets it)."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_a_request_in_english_switches_the_thread_to_english(client):
    client.cookies["django_language"] = "en"
    client.get("/opendata/", HTTP_ACCEPT_LANGUAGE="en")
    assert translation.get_language() == "en"  # what LocaleMiddleware leaves behind


def test_the_next_test_starts_in_japanese_again():
    assert translation.get_language() == "ja"
