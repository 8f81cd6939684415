"""Session values carried by a sign-in link: encrypted, once, and gone when the link expires."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.accounts import services
from madoguchi.accounts.models import SignInCarry, SignInLink

pytestmark = pytest.mark.django_db


def _token(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def test_carried_values_come_back_once_and_only_for_the_same_address():
    link = services.login_link_create(email="a@example.jp", next_url="/x/", carry={"k": {"raw": {"n": "値"}}})
    user, next_url, carried = services.login_link_verify(token=_token(link))
    assert (user.email, next_url, carried) == ("a@example.jp", "/x/", {"k": {"raw": {"n": "値"}}})
    assert not SignInCarry.objects.exists()  # handed out once
    with pytest.raises(services.LinkInvalid):  # and the link itself works once
        services.login_link_verify(token=_token(link))


def test_old_carries_are_purged_with_their_expired_links():
    link = services.login_link_create(email="b@example.jp", carry={"k": 1})
    SignInCarry.objects.update(created_at=timezone.now() - timedelta(hours=2))
    SignInLink.objects.update(created_at=timezone.now() - timedelta(hours=2))
    services.login_link_create(email="c@example.jp", carry={"k": 2})  # storing a new one purges old ones
    assert list(SignInCarry.objects.values_list("email", flat=True)) == ["c@example.jp"]
    with pytest.raises(services.LinkInvalid):
        services.login_link_verify(token=_token(link))


def test_no_carry_no_row():
    services.login_link_create(email="d@example.jp", carry={})
    assert not SignInCarry.objects.exists()
