"""Signing in through a provider, and linking provider accounts to ours. Every write is here.

Linking rule: a provider account is linked to an existing account only when the person proved
both in one browser session — they were signed in by the e-mail link when the provider
answered, or the provider answered first and they then opened an e-mail link sent to that
account's address. A provider that merely *says* an address is theirs never opens the
account that owns it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import User
from madoguchi.accounts.oidc.client import VerifiedLogin
from madoguchi.accounts.oidc.constants import Assurance, ProfileClaim
from madoguchi.accounts.oidc.models import OidcIdentity
from madoguchi.accounts.types import Viewer
from madoguchi.audit.services import audit_record
from madoguchi.core.crypto import DecryptionError, decrypt_text, encrypt_text
from madoguchi.core.errors import DomainError, PermissionDeniedError

PROFILE_PURPOSE = "oidc-profile"
PLACEHOLDER_DOMAIN = "oidc.invalid"


class SignInRefused(PermissionDeniedError):
    code = "oidc_sign_in_refused"


@dataclass(frozen=True)
class SignInResult:
    """``user`` to sign in, or ``pending_email`` when that address must be proved first."""

    user: User | None
    identity: OidcIdentity | None
    created: bool = False
    linked: bool = False
    pending_email: str = ""


def user_is_staff(user: User) -> bool:
    """Staff accounts sign in through the staff door only (password + second factor, or staff SSO)."""
    return bool(user.is_staff or user.is_superuser or user.memberships.exists())


def _refuse_staff(user: User) -> None:
    if user_is_staff(user):
        raise SignInRefused(
            _("職員のアカウントは、このログイン方法では使えません。職員用のログインをご利用ください。")
        )


# ---------------------------------------------------------------------------- profile


def login_profile(login: VerifiedLogin) -> dict[str, Any]:
    """氏名・住所・生年月日 from the claims, shaped like the field types store them."""
    kind = login.provider.kind
    profile: dict[str, Any] = {
        ProfileClaim.NAME: kind.name_parts(login.claims),
        ProfileClaim.ADDRESS: kind.address_parts(login.claims),
        ProfileClaim.BIRTH_DATE: kind.birth_date(login.claims),
    }
    return {key: value for key, value in profile.items() if value}


def _sealed_profile(login: VerifiedLogin) -> str:
    """Kept only for verified logins (nothing else may fill in a form as verified)."""
    if login.assurance < Assurance.VERIFIED:
        return ""
    profile = login_profile(login)
    return encrypt_text(json.dumps(profile, ensure_ascii=False), purpose=PROFILE_PURPOSE) if profile else ""


def identity_profile(identity: OidcIdentity | None) -> dict[str, Any]:
    """The verified profile of ``identity`` (empty when there is none or it cannot be read)."""
    if identity is None or not identity.profile or identity.assurance < Assurance.VERIFIED:
        return {}
    try:
        value = json.loads(decrypt_text(identity.profile, purpose=PROFILE_PURPOSE))
    except (DecryptionError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def identity_profiles_expire(*, now: Any = None) -> int:
    """Forget verified profiles nobody can use any more; returns how many were cleared.

    A profile fills forms only in the session of the login that brought it
    (``applications.verified``), and the next login replaces it, so it is not kept past the
    longest a session lives (``SESSION_COOKIE_AGE``). The identity itself (who signs in) stays.
    """
    from django.conf import settings

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=int(settings.SESSION_COOKIE_AGE))
    return OidcIdentity.objects.filter(last_login_at__lt=cutoff).exclude(profile="").update(profile="")


def identities_disclosure(user: User) -> list[dict[str, Any]]:
    """本人開示: the person's provider accounts and the verified profile kept for each."""
    from madoguchi.accounts.oidc.providers import configured_providers

    providers = configured_providers()
    rows = []
    for identity in OidcIdentity.objects.filter(user=user).order_by("created_at", "id"):
        provider = providers.get(identity.provider)
        rows.append(
            {
                "provider": str(provider.display_label) if provider else identity.provider,
                "subject": identity.subject,
                "email": identity.email,
                "level": str(Assurance(identity.assurance).label)
                if identity.assurance in Assurance.values
                else str(identity.assurance),
                "linked_at": timezone.localtime(identity.created_at).strftime("%Y-%m-%d %H:%M"),
                "last_login_at": timezone.localtime(identity.last_login_at).strftime("%Y-%m-%d %H:%M"),
                "verified_profile": identity_profile(identity) or None,
            }
        )
    return rows


def identities_remove(*, user: User) -> int:
    """Closing an account: its provider accounts (and their profiles) go; the audit entries about
    them lose their personal payload. A later login at the provider makes a new, empty account."""
    from madoguchi.audit.models import AuditEntry
    from madoguchi.audit.services import audit_redact

    identities = OidcIdentity.objects.filter(user=user)
    ids = [str(pk) for pk in identities.values_list("pk", flat=True)]
    if ids:
        audit_redact(
            entries=AuditEntry.objects.filter(target_type=OidcIdentity._meta.label_lower, target_id__in=ids)
        )
    return identities.delete()[0]


# ---------------------------------------------------------------------------- identities


def _identity_create(*, user: User, login: VerifiedLogin) -> OidcIdentity:
    return OidcIdentity.objects.create(
        user=user,
        provider=login.provider.id,
        subject=login.subject,
        email=login.email[:254],
        assurance=int(login.assurance),
        profile=_sealed_profile(login),
    )


def _identity_refresh(identity: OidcIdentity, login: VerifiedLogin) -> None:
    identity.email = login.email[:254]
    identity.assurance = int(login.assurance)
    identity.profile = _sealed_profile(login)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["email", "assurance", "profile", "last_login_at"])


def _placeholder_email(login: VerifiedLogin) -> str:
    """An address that receives nothing, for people whose provider gave none (RFC 2606 .invalid)."""
    digest = hashlib.sha256(f"{login.provider.id}\0{login.subject}".encode()).hexdigest()[:24]
    return f"{login.provider.id}-{digest}@{PLACEHOLDER_DOMAIN}"


def oidc_applicant_sign_in(*, login: VerifiedLogin, current_user: Viewer | None) -> SignInResult:
    """Who an applicant's provider login signs in.

    - a linked provider account → its user;
    - someone already signed in (by e-mail link) → the provider account is linked to them;
    - a new person whose provider gave an address nobody uses (or none) → a new account;
    - an address that an account already uses → nobody yet: ``pending_email`` must be proved
      by an e-mail link in this browser (``oidc_link_pending``).
    Staff accounts are refused (SignInRefused).
    """
    with transaction.atomic():
        identity = (
            OidcIdentity.objects.select_for_update()
            .select_related("user")
            .filter(provider=login.provider.id, subject=login.subject)
            .first()
        )
        if identity is not None:
            if not identity.user.is_active:
                raise SignInRefused(_("このアカウントは利用できません。お問い合わせ窓口にご連絡ください。"))
            _refuse_staff(identity.user)
            _identity_refresh(identity, login)
            return SignInResult(user=identity.user, identity=identity)
        if isinstance(current_user, User) and current_user.is_authenticated:
            _refuse_staff(current_user)
            identity = _identity_create(user=current_user, login=login)
            audit_record(
                actor=current_user,
                action="oidc.identity_linked",
                target=identity,
                after={"provider": login.provider.id, "proved_by": "signed_in_session"},
            )
            return SignInResult(user=current_user, identity=identity, linked=True)
        email = login.email
        if email and User.objects.filter(email=email).exists():
            return SignInResult(user=None, identity=None, pending_email=email)
        user = User.objects.create_user(
            email or _placeholder_email(login), display_name=login.provider.kind.display_name(login.claims)
        )
        identity = _identity_create(user=user, login=login)
        audit_record(
            actor=user,
            action="oidc.account_created",
            target=identity,
            after={"provider": login.provider.id, "email_from_provider": bool(email)},
        )
        return SignInResult(user=user, identity=identity, created=True)


def pending_link_from(login: VerifiedLogin) -> dict[str, Any]:
    """What waits in the session until the person proves the e-mail address (JSON-safe)."""
    return {
        "provider": login.provider.id,
        "subject": login.subject,
        "email": login.email,
        "assurance": int(login.assurance),
        "profile": _sealed_profile(login),
        "at": timezone.now().timestamp(),
    }


def oidc_link_pending(*, user: User, pending: dict[str, Any], max_age: float) -> OidcIdentity:
    """Link the provider account that waited in the session to ``user``, who has just proved the
    e-mail address by its link. Raises DomainError when the wait is over or the addresses differ."""
    if not pending or timezone.now().timestamp() - float(pending.get("at", 0)) > max_age:
        raise DomainError(
            _("時間がたったため、つなげることができませんでした。もう一度、外部のIDでログインしてください。"),
            code="oidc_link_expired",
        )
    if user.email != pending.get("email"):
        raise DomainError(
            _("ログインしたアカウントのメールアドレスが、外部のIDのメールアドレスと違います。"),
            code="oidc_link_mismatch",
        )
    _refuse_staff(user)
    with transaction.atomic():
        identity, created = OidcIdentity.objects.get_or_create(
            provider=pending["provider"],
            subject=pending["subject"],
            defaults={
                "user": user,
                "email": pending.get("email", "")[:254],
                "assurance": int(pending.get("assurance", Assurance.ACCOUNT)),
                "profile": pending.get("profile", ""),
            },
        )
        if identity.user_id != user.pk:
            raise DomainError(_("この外部のIDは、別のアカウントにつながっています。"), code="oidc_link_taken")
        if created:
            audit_record(
                actor=user,
                action="oidc.identity_linked",
                target=identity,
                after={"provider": identity.provider, "proved_by": "email_link"},
            )
    return identity
