"""``core.headers.put_header`` stores what ``response.headers[name] = value`` stores, and leaves
any value that Django's check would change or refuse to that check."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.http.response import BadHeaderError

from madoguchi.core.headers import put_header


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Retry-After", "10"),
        ("X-Reservation-Outcome", "queued; position=3; retry-after=10"),
        ("Cache-Control", "no-store, private"),
        ("Content-Language", "ja"),
        ("X-Title", "Café"),  # Latin-1: Django's check
        ("X-Title", "窓口"),  # MIME-encoded by Django's check
        ("X-Empty", ""),
    ],
)
def test_the_header_is_stored_as_django_stores_it(name, value):
    ours, django = HttpResponse(), HttpResponse()
    put_header(ours, name, value)
    django.headers[name] = value
    assert ours.headers._store == django.headers._store
    assert ours.serialize_headers() == django.serialize_headers()


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "é\nb"])
def test_a_line_break_is_refused_as_django_refuses_it(value):
    with pytest.raises(BadHeaderError):
        put_header(HttpResponse(), "X-Test", value)
