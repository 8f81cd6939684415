"""Staff sign-in through the organization's identity provider (single sign-on).

- Who: the person's provider account (``OidcIdentity``), else — the IdP being the organization's
  own directory — the account with the address the IdP gives and a membership in that
  organization; a new account only when the provider allows it (``OIDC_<ID>_CREATE_STAFF``) and
  a group maps to a role.
- Roles: the groups claim mapped per organization (``OIDC_<ID>_GROUP_ROLES``). The IdP manages
  the roles its map names: at each sign-in those are granted or revoked to match the groups;
  roles the map never names (granted by hand) are left alone.
- Second factor: the ID token's ``amr`` naming one (``OIDC_<ID>_MFA_AMR``), else our own.

The staff session itself (and our own second factor) belongs to the staff door in accounts
(``sessions.staff_session_begin``, ``staff_signin.pending_begin``); ``staff_callback`` hands over
to it. Roles change through ``accounts.memberships`` (audited; they end the user's sessions).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.accounts.constants import Role
from madoguchi.accounts.memberships import membership_grant, membership_revoke
from madoguchi.accounts.models import Department, Membership, Organization, User
from madoguchi.accounts.oidc.client import VerifiedLogin
from madoguchi.accounts.oidc.models import OidcIdentity
from madoguchi.accounts.oidc.providers import Provider
from madoguchi.accounts.types import Actor
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import PermissionDeniedError


class StaffSignInRefused(PermissionDeniedError):
    code = "oidc_staff_refused"


NOT_STAFF = gettext_lazy("この組織の職員として登録されていません。所属の管理者にご連絡ください。")


@dataclass(frozen=True)
class RoleGrant:
    role: str
    department: str = ""  # department slug; "" = the whole organization

    @classmethod
    def parse(cls, text: str) -> RoleGrant:
        role, _sep, department = str(text).partition("@")
        return cls(role=role.strip(), department=department.strip())


@dataclass(frozen=True)
class StaffSignIn:
    user: User
    second_factor: bool
    granted: tuple[RoleGrant, ...] = ()
    revoked: tuple[RoleGrant, ...] = ()


def role_grants_for(provider: Provider, groups: list[str]) -> set[RoleGrant]:
    """The roles the groups give, by the provider's map (unknown groups give nothing)."""
    grants: set[RoleGrant] = set()
    for group in groups:
        for text in provider.group_roles.get(group, []):
            grant = RoleGrant.parse(text)
            if grant.role in Role.values:
                grants.add(grant)
    return grants


def managed_grants(provider: Provider) -> set[RoleGrant]:
    """Every role the provider's map names: the roles this IdP decides."""
    return role_grants_for(provider, list(provider.group_roles))


def group_roles_problems(provider: Provider, organization: Organization | None) -> list[str]:
    """Configuration mistakes in the map (for the system check and the docs' example)."""
    if organization is None:
        return [f"OIDC provider {provider.id!r}: organization {provider.organization!r} does not exist"]
    problems = []
    departments = set(organization.departments.values_list("slug", flat=True))
    for group, texts in provider.group_roles.items():
        for text in texts:
            grant = RoleGrant.parse(text)
            if grant.role not in Role.values:
                problems.append(
                    f"OIDC provider {provider.id!r}: group {group!r} maps to unknown role {grant.role!r}"
                )
            if grant.department and grant.department not in departments:
                problems.append(
                    f"OIDC provider {provider.id!r}: group {group!r} names unknown department {grant.department!r}"
                )
    return problems


def _current(user: User, organization: Organization) -> dict[RoleGrant, Membership]:
    rows = Membership.objects.filter(user=user, organization=organization).select_related("department")
    return {RoleGrant(m.role, m.department.slug if m.department else ""): m for m in rows}


def _membership_grant(*, user: User, organization: Organization, grant: RoleGrant, actor: Actor) -> None:
    department = (
        Department.objects.filter(organization=organization, slug=grant.department).first()
        if grant.department
        else None
    )
    if grant.department and department is None:
        return
    membership_grant(
        user=user, organization=organization, role=grant.role, department=department, actor=actor
    )


def oidc_staff_sign_in(*, login: VerifiedLogin) -> StaffSignIn:
    """Find (or, when allowed, create) the staff member and bring their roles in line with the
    groups. Raises StaffSignInRefused when the person is not staff of the organization."""
    provider = login.provider
    organization = Organization.objects.filter(slug=provider.organization).first()
    if organization is None:
        raise StaffSignInRefused(_("この職員ログインは設定が完了していません。管理者にご連絡ください。"))
    wanted = role_grants_for(provider, provider.kind.groups(login.claims, provider.groups_claim))
    managed = managed_grants(provider)
    email = provider.kind.email(login.claims)
    with transaction.atomic():
        identity = (
            OidcIdentity.objects.select_for_update()
            .select_related("user")
            .filter(provider=provider.id, subject=login.subject)
            .first()
        )
        user = identity.user if identity else None
        if user is None and email:
            user = User.objects.filter(email=email, memberships__organization=organization).distinct().first()
        if user is None and email and provider.create_staff and wanted:
            if User.objects.filter(email=email).exists():  # someone else's account (an applicant)
                raise StaffSignInRefused(NOT_STAFF)
            user = User.objects.create_user(email, display_name=provider.kind.display_name(login.claims))
            audit_record(
                actor=user, action="oidc.staff_account_created", target=user, after={"provider": provider.id}
            )
        if user is None or not user.is_active:
            raise StaffSignInRefused(NOT_STAFF)
        if identity is None:
            identity = OidcIdentity.objects.create(
                user=user,
                provider=provider.id,
                subject=login.subject,
                email=email[:254],
                assurance=int(login.assurance),
            )
            audit_record(
                actor=user,
                action="oidc.identity_linked",
                target=identity,
                after={"provider": provider.id, "staff": True},
            )
        current = _current(user, organization)
        granted = sorted(wanted - set(current), key=str)
        revoked = sorted((set(current) & managed) - wanted, key=str)
        for grant in granted:
            _membership_grant(user=user, organization=organization, grant=grant, actor=user)
        for grant in revoked:
            membership_revoke(membership=current[grant], actor=user)
    # outside the transaction: a revocation stands even when it leaves no role to sign in with
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise StaffSignInRefused(NOT_STAFF)
    return StaffSignIn(
        user=user, second_factor=login.second_factor, granted=tuple(granted), revoked=tuple(revoked)
    )


def staff_callback(request, verified: VerifiedLogin, *, next_url: str):
    """After the organization's IdP: a staff session when its ``amr`` vouches for a second
    factor, else the staff door's own second factor (the same step as after the password)."""
    from madoguchi.accounts import staff_signin, totp
    from madoguchi.accounts.constants import AuthMethod
    from madoguchi.accounts.models import Passkey
    from madoguchi.accounts.sessions import staff_session_begin

    try:
        result = oidc_staff_sign_in(login=verified)
    except StaffSignInRefused as exc:
        return render(
            request, "accounts_oidc/failed.html", {"message": str(exc.message), "next_url": "/"}, status=403
        )
    if not next_url.startswith(("/staff/", "/builder/", "/counter/", "/django-admin/")):
        next_url = reverse("review:root")
    if result.second_factor:
        staff_session_begin(request, result.user, method=AuthMethod.OIDC)
        return redirect(next_url)
    staff_signin.pending_begin(request, user=result.user, next_url=next_url)
    if totp.totp_enrolled(result.user) or Passkey.objects.filter(user=result.user).exists():
        return redirect("staff_auth:login_verify")
    return redirect("staff_auth:login_enrol")
