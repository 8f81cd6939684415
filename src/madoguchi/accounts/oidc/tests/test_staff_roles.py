"""Staff through the organization's IdP: who they are, roles from the groups claim (per
organization), and whether the IdP's amr counts as the second factor."""

from __future__ import annotations

import pytest

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Membership
from madoguchi.accounts.oidc.client import VerifiedLogin
from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.oidc.models import OidcIdentity
from madoguchi.accounts.oidc.providers import provider_from_config
from madoguchi.accounts.oidc.staff import (
    RoleGrant,
    StaffSignInRefused,
    group_roles_problems,
    oidc_staff_sign_in,
    role_grants_for,
)
from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import make_department, make_organization, make_staff, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization():
    organization = make_organization("tokyo")
    make_department(organization, slug="kyufu", name="給付課")
    return organization


def staff_provider(**changes):
    config = {
        "kind": "entra",
        "issuer": "https://login.example/tenant/v2.0",
        "client_id": "c",
        "audience": "staff",
        "organization": "tokyo",
        "group_roles": {"g-review": ["reviewer"], "g-approve": ["approver@kyufu"], "g-admin": "admin"},
    }
    config.update(changes)
    return provider_from_config("tokyo_staff", config)


def staff_login(provider, *, groups, email="kenji@tokyo.example.jp", amr=("pwd", "mfa"), subject="oid-1"):
    claims = {"sub": subject, "preferred_username": email, "groups": list(groups), "amr": list(amr)}
    return VerifiedLogin(
        provider=provider,
        subject=subject,
        claims=claims,
        assurance=Assurance.ACCOUNT,
        second_factor=provider.has_second_factor(list(amr)),
    )


def roles_of(user, organization):
    return sorted(
        (m.role, m.department.slug if m.department else "")
        for m in Membership.objects.filter(user=user, organization=organization).select_related("department")
    )


def test_groups_map_to_roles_and_unknown_groups_to_nothing():
    provider = staff_provider()
    assert role_grants_for(provider, ["g-review", "g-approve", "someone-elses-group"]) == {
        RoleGrant("reviewer"),
        RoleGrant("approver", "kyufu"),
    }
    assert role_grants_for(provider, []) == set()


def test_a_mistyped_map_is_reported(organization):
    provider = staff_provider(group_roles={"g": ["reviwer", "approver@nowhere"]})
    problems = group_roles_problems(provider, organization)
    assert any("reviwer" in p for p in problems)
    assert any("nowhere" in p for p in problems)
    assert group_roles_problems(staff_provider(), organization) == []


def test_a_staff_member_gets_the_roles_of_their_groups_audited(organization):
    kenji = make_staff(organization, Role.COUNTER, email="kenji@tokyo.example.jp")
    result = oidc_staff_sign_in(login=staff_login(staff_provider(), groups=["g-review", "g-approve"]))
    assert result.user == kenji
    assert result.second_factor is True
    assert roles_of(kenji, organization) == [("approver", "kyufu"), ("counter", ""), ("reviewer", "")]
    assert AuditEntry.objects.filter(action="membership.granted").count() == 2
    assert OidcIdentity.objects.get(user=kenji).subject == "oid-1"


def test_roles_the_idp_manages_are_revoked_when_the_group_goes_and_others_stay(organization):
    kenji = make_staff(organization, Role.COUNTER, email="kenji@tokyo.example.jp")
    provider = staff_provider()
    oidc_staff_sign_in(login=staff_login(provider, groups=["g-review", "g-approve"]))
    oidc_staff_sign_in(login=staff_login(provider, groups=["g-review"]))
    assert roles_of(kenji, organization) == [("counter", ""), ("reviewer", "")]  # counter: granted by hand
    assert AuditEntry.objects.filter(action="membership.revoked").count() == 1


def test_someone_the_idp_no_longer_gives_any_role_is_refused_and_the_revocation_stays(organization):
    kenji = make_user("kenji@tokyo.example.jp")
    provider = staff_provider()
    Membership.objects.create(user=kenji, organization=organization, role=Role.REVIEWER)
    with pytest.raises(StaffSignInRefused):
        oidc_staff_sign_in(login=staff_login(provider, groups=[]))
    assert roles_of(kenji, organization) == []


def test_an_unknown_person_is_refused_unless_the_provider_creates_staff(organization):
    provider = staff_provider()
    with pytest.raises(StaffSignInRefused):
        oidc_staff_sign_in(login=staff_login(provider, groups=["g-review"], email="new@tokyo.example.jp"))
    creating = staff_provider(create_staff=True)
    result = oidc_staff_sign_in(
        login=staff_login(creating, groups=["g-review"], email="new@tokyo.example.jp")
    )
    assert result.user.email == "new@tokyo.example.jp"
    assert roles_of(result.user, organization) == [("reviewer", "")]


def test_an_applicant_account_with_the_same_address_is_not_turned_into_staff(organization):
    make_user("hanako@tokyo.example.jp")  # an applicant who signed in by e-mail link
    with pytest.raises(StaffSignInRefused):
        oidc_staff_sign_in(
            login=staff_login(
                staff_provider(create_staff=True), groups=["g-review"], email="hanako@tokyo.example.jp"
            )
        )


def test_staff_of_another_organization_are_not_found_by_address(organization):
    other = make_organization("osaka")
    make_staff(other, Role.REVIEWER, email="kenji@tokyo.example.jp")
    with pytest.raises(StaffSignInRefused):
        oidc_staff_sign_in(login=staff_login(staff_provider(), groups=["g-review"]))


def test_without_mfa_in_amr_our_own_second_factor_is_needed(organization):
    make_staff(organization, Role.REVIEWER, email="kenji@tokyo.example.jp")
    result = oidc_staff_sign_in(login=staff_login(staff_provider(), groups=["g-review"], amr=["pwd"]))
    assert result.second_factor is False
