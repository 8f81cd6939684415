"""Who a provider login signs in, and when a provider account is linked to an existing one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import User
from madoguchi.accounts.oidc import services
from madoguchi.accounts.oidc.client import VerifiedLogin
from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.oidc.models import OidcIdentity
from madoguchi.accounts.oidc.providers import provider_from_config
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError
from madoguchi.core.testing import make_organization, make_staff, make_user

pytestmark = pytest.mark.django_db

PROVIDER = provider_from_config("pref", {"issuer": "https://p", "client_id": "c"})


def login(subject="s-1", *, email="hanako@example.jp", verified_email=True, **claims) -> VerifiedLogin:
    base = {"sub": subject, "email": email, "email_verified": verified_email, "name": "佐藤 花子", **claims}
    return VerifiedLogin(
        provider=PROVIDER, subject=subject, claims=base, assurance=Assurance.ACCOUNT, second_factor=False
    )


class Anonymous:
    is_authenticated = False


def test_a_new_person_gets_a_new_account_with_the_providers_address():
    result = services.oidc_applicant_sign_in(login=login(), current_user=Anonymous())
    assert result.created and result.user.email == "hanako@example.jp"
    assert result.user.display_name == "佐藤 花子"
    assert result.identity.subject == "s-1"


def test_a_linked_provider_account_signs_in_its_user():
    first = services.oidc_applicant_sign_in(login=login(), current_user=Anonymous())
    again = services.oidc_applicant_sign_in(login=login(), current_user=Anonymous())
    assert again.user == first.user and not again.created
    assert OidcIdentity.objects.count() == 1


def test_an_address_an_account_uses_is_not_enough_to_open_that_account():
    owner = make_user("hanako@example.jp")
    result = services.oidc_applicant_sign_in(login=login(), current_user=Anonymous())
    assert result.user is None
    assert result.pending_email == "hanako@example.jp"
    assert not OidcIdentity.objects.filter(user=owner).exists()


def test_an_unverified_address_is_ignored_and_a_separate_account_made():
    owner = make_user("hanako@example.jp")
    result = services.oidc_applicant_sign_in(login=login(verified_email=False), current_user=Anonymous())
    assert result.user != owner
    assert result.user.email.endswith("@oidc.invalid")


def test_someone_signed_in_by_e_mail_link_gets_the_provider_account_linked():
    user = make_user("taro@example.jp")
    result = services.oidc_applicant_sign_in(login=login(email="other@example.jp"), current_user=user)
    assert result.linked and result.user == user
    entry = AuditEntry.objects.get(action="oidc.identity_linked")
    assert entry.after["proved_by"] == "signed_in_session"


def test_staff_accounts_cannot_use_the_applicants_providers():
    staff = make_staff(make_organization(), Role.REVIEWER, email="staff@example.jp")
    with pytest.raises(services.SignInRefused):
        services.oidc_applicant_sign_in(login=login(), current_user=staff)
    OidcIdentity.objects.create(user=staff, provider="pref", subject="s-2")
    with pytest.raises(services.SignInRefused):
        services.oidc_applicant_sign_in(login=login("s-2"), current_user=Anonymous())


def test_linking_after_the_e_mail_link_needs_the_same_address_in_time():
    owner = make_user("hanako@example.jp")
    pending = services.pending_link_from(login())
    stranger = make_user("stranger@example.jp")
    with pytest.raises(DomainError, match="メールアドレスが"):
        services.oidc_link_pending(user=stranger, pending=pending, max_age=1800)
    old = {**pending, "at": timezone.now().timestamp() - 3600}
    with pytest.raises(DomainError, match="時間がたった"):
        services.oidc_link_pending(user=owner, pending=old, max_age=1800)
    identity = services.oidc_link_pending(user=owner, pending=pending, max_age=1800)
    assert identity.user == owner
    assert AuditEntry.objects.get(action="oidc.identity_linked").after["proved_by"] == "email_link"


def test_a_verified_profile_is_kept_encrypted_and_an_unverified_one_not_at_all():
    verified = VerifiedLogin(
        provider=PROVIDER,
        subject="s-9",
        claims={"sub": "s-9", "family_name": "佐藤", "given_name": "花子", "birthdate": "1985-04-01"},
        assurance=Assurance.VERIFIED,
        second_factor=False,
    )
    result = services.oidc_applicant_sign_in(login=verified, current_user=Anonymous())
    identity = OidcIdentity.objects.get(pk=result.identity.pk)
    assert "佐藤" not in identity.profile
    assert services.identity_profile(identity)["birth_date"] == "1985-04-01"
    downgraded = VerifiedLogin(
        provider=PROVIDER,
        subject="s-9",
        claims=verified.claims,
        assurance=Assurance.ACCOUNT,
        second_factor=False,
    )
    services.oidc_applicant_sign_in(login=downgraded, current_user=Anonymous())
    identity.refresh_from_db()
    assert identity.profile == "" and services.identity_profile(identity) == {}
    assert User.objects.count() == 1
