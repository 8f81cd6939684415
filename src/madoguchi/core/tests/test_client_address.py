"""One rule for which address a request came from and how limits count it (core.client_address),
used by the sign-in throttle and the waiting room alike."""

import inspect

from django.test import RequestFactory

from madoguchi.accounts import throttle
from madoguchi.core import client_address
from madoguchi.reservations import waiting_room


def test_behind_our_proxy_the_last_forwarded_entry_is_the_address(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_address.request_address(request) == "10.0.0.1"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_address.request_address(request) == "198.51.100.9"


def test_limits_count_ipv4_as_itself_and_ipv6_as_its_64():
    assert client_address.address_network("192.0.2.7") == "192.0.2.7"
    assert client_address.address_network("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_address.address_network("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_address.address_network("not an address") is None


def test_the_throttle_and_the_waiting_room_count_the_same_client_the_same_way(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.RESERVATIONS_WAITING_ROOM_IP_ALLOW = []
    for remote, forwarded in (("10.0.0.1", "2001:db8:1:2:aaaa::1"), ("::ffff:192.0.2.7", "")):
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        assert throttle.client_address(request) == waiting_room.address_group(
            waiting_room.client_address(request)
        )


def test_the_address_rule_is_written_once():
    for module in (throttle, waiting_room):
        source = inspect.getsource(module)
        assert "HTTP_X_FORWARDED_FOR" not in source, module.__name__
        assert "ipv4_mapped" not in source, module.__name__
