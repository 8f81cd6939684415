"""Sign-in throttling (accounts/throttle.py): per account tight, per address wide; nothing typed
is lost; the same answer for every address."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from madoguchi.accounts import throttle
from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def test_an_ipv6_client_counts_as_its_64_and_an_ipv4_mapped_one_as_ipv4(settings):
    factory = RequestFactory()
    one = factory.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    two = factory.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::2")
    assert throttle.client_address(one) == throttle.client_address(two) == "2001:db8:1:2::/64"
    assert throttle.client_address(factory.get("/", REMOTE_ADDR="::ffff:192.0.2.7")) == "192.0.2.7"


def test_behind_our_proxy_the_last_forwarded_address_counts(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9")
    assert throttle.client_address(request) == "198.51.100.9"


def test_a_throttled_link_request_keeps_the_values_typed_on_the_first_step(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    session = client.session
    session["applications.stash"] = {"procedure": 1, "as_proxy": False, "raw": {"name": "山田 太郎"}}
    session.save()
    for _ in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:login"), {"email": "taro@example.jp", "next": "/x/"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert 'value="taro@example.jp"' in html and 'value="/x/"' in html
    assert "入力した内容は保存されています" in html
    assert client.session["applications.stash"]["raw"] == {"name": "山田 太郎"}


def test_one_address_full_of_staff_is_not_locked_out_by_a_few_typos_each(client):
    organization = make_organization()
    for n in range(15):  # a town hall behind one address: fifteen people, two typos each
        staff = make_staff(organization, Role.REVIEWER, email=f"staff{n}@example.jp")
        staff.set_password(PASSWORD)
        staff.save()
        for _ in range(2):
            assert client.post("/staff/login/", {"email": staff.email, "password": "typo"}).status_code == 422
        response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
        assert response.status_code == 302, n
        client.cookies.clear()


def test_the_address_limit_stops_one_machine_spraying_many_accounts(client, settings):
    settings.SIGN_IN_THROTTLES = {
        **settings.SIGN_IN_THROTTLES,
        "password": {"account": "10 per 15 minutes", "address": "5 per 15 minutes"},
    }
    statuses = [
        client.post("/staff/login/", {"email": f"guess{n}@example.jp", "password": "x"}).status_code
        for n in range(7)
    ]
    assert statuses[:5] == [422] * 5 and statuses[-1] == 429
