"""The bearer token's look-up (``api_token_authenticate``): one statement, the user as the ORM
reads it, and the same refusals — revoked, expired, a deactivated user, a user with staff powers —
and last use written at most every ``LAST_USED_RESOLUTION``."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from madoguchi.accounts.apiauth import LAST_USED_RESOLUTION, api_token_authenticate, api_token_revoke
from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import ApiToken, Membership, User
from madoguchi.core.testing import make_api_token, make_organization, make_user

pytestmark = pytest.mark.django_db


def test_the_user_is_the_one_the_orm_reads_in_one_statement():
    user, token = make_api_token(make_user(display_name="山田 花子"))
    with CaptureQueriesContext(connection) as captured:
        found = api_token_authenticate(token=token)
    assert len(captured) == 2  # the look-up, and last use written (first use)
    with CaptureQueriesContext(connection) as captured:
        again = api_token_authenticate(token=token)
    assert len(captured) == 1
    orm = User.objects.get(pk=user.pk)
    for result in (found, again):
        assert type(result) is User
        assert result is not None and result._state.adding is False and result._state.db == "default"
        for field in User._meta.concrete_fields:
            assert getattr(result, field.attname) == getattr(orm, field.attname), field.name


@pytest.mark.parametrize("power", ["membership", "is_staff", "is_superuser"])
def test_a_token_whose_user_has_staff_powers_is_refused(power):
    user, token = make_api_token()
    assert api_token_authenticate(token=token) == user
    if power == "membership":
        Membership.objects.create(user=user, organization=make_organization(), role=Role.REVIEWER)
    else:
        User.objects.filter(pk=user.pk).update(**{power: True})
    assert api_token_authenticate(token=token) is None


def test_a_token_counts_until_its_expiry_and_not_at_it():
    user, token = make_api_token(expires_at=timezone.now() + timedelta(minutes=1))
    assert api_token_authenticate(token=token) == user
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now())
    assert api_token_authenticate(token=token) is None


def test_revoked_unknown_and_malformed_tokens_find_nobody():
    user, token = make_api_token()
    assert api_token_authenticate(token=token + "x") is None
    assert api_token_authenticate(token=token[4:]) is None  # without the prefix
    assert api_token_authenticate(token="mdg_" + "a" * 300) is None
    api_token_revoke(api_token=ApiToken.objects.get(user=user), actor=user)
    assert api_token_authenticate(token=token) is None


def test_last_use_is_written_only_when_older_than_the_resolution():
    user, token = make_api_token()
    api_token = ApiToken.objects.get(user=user)
    recent = timezone.now() - LAST_USED_RESOLUTION + timedelta(seconds=30)
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=recent)
    assert api_token_authenticate(token=token) == user
    api_token.refresh_from_db()
    assert api_token.last_used_at == recent
    old = timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=old)
    before = timezone.now()
    assert api_token_authenticate(token=token) == user
    api_token.refresh_from_db()
    assert api_token.last_used_at is not None and api_token.last_used_at >= before
