"""Passkeys (WebAuthn) as the other second factor of the staff sign-in, via the ``webauthn``
package: it builds the options the browser needs and verifies what the authenticator signed.

A passkey is registered from a staff session (/staff/security/) and then accepted after the
password instead of a TOTP code. The challenge of each ceremony waits in the session; the
browser side is ``accounts/static/accounts/passkeys.js`` (WebAuthn is a JavaScript API — the
one place where the staff sign-in needs it; the TOTP code is the way without JavaScript).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from madoguchi.accounts.models import Passkey
from madoguchi.accounts.types import Actor, User
from madoguchi.core.errors import FieldErrors

REGISTER_SESSION_KEY = "accounts.passkey_register"
SIGN_IN_SESSION_KEY = "accounts.passkey_sign_in"
NOT_ACCEPTED = _(
    "パスキーを確認できませんでした。もう一度お試しいただくか、認証アプリの確認コードをご利用ください。"
)
NOT_REGISTERED = _("パスキーを登録できませんでした。もう一度お試しください。")


@dataclass(frozen=True)
class RelyingParty:
    id: str  # the host name the passkeys are bound to
    origin: str  # scheme://host[:port] the browser reports


def relying_party(request: Any) -> RelyingParty:
    host = request.get_host()
    rp_id = settings.WEBAUTHN_RP_ID or host.rsplit(":", 1)[0].strip("[]")
    return RelyingParty(id=rp_id, origin=f"{request.scheme}://{host}")


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    from webauthn.helpers import base64url_to_bytes

    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
        for p in Passkey.objects.filter(user=user)
    ]


def _credential_dict(credential: Any) -> dict[str, Any]:
    if isinstance(credential, str | bytes):
        try:
            credential = json.loads(credential)
        except ValueError:
            return {}
    return credential if isinstance(credential, dict) else {}


# ------------------------------------------------------------------------------ registration


def passkey_registration_options(*, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """(options as JSON for ``navigator.credentials.create``, the challenge to keep)."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_id=str(user.pk).encode(),
        user_name=user.email,
        user_display_name=user.display_name or user.email,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), options.challenge


def passkey_register(
    *, user: User, credential: Any, challenge: bytes, rp: RelyingParty, name: str = ""
) -> Passkey:
    """Verify the authenticator's answer and keep its public key. Audited."""
    from madoguchi.audit.services import audit_record

    data = _credential_dict(credential)
    try:
        verified = verify_registration_response(
            credential=data, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin
        )
    except (InvalidRegistrationResponse, KeyError, TypeError, ValueError):
        raise FieldErrors({"passkey": [str(NOT_REGISTERED)]}) from None
    transports = data.get("response", {}).get("transports") or []
    with transaction.atomic():
        passkey = Passkey.objects.create(
            user=user,
            name=(name or "").strip()[:100],
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=[str(t) for t in transports][:10],
        )
        audit_record(
            actor=user, action="staff.passkey_registered", target=passkey, after={"name": passkey.name}
        )
    return passkey


def may_remove_passkey(*, user: User) -> bool:
    """Never the last second factor: without one, the next sign-in would let whoever knows the
    password enrol an authenticator of their own."""
    from madoguchi.accounts.totp import totp_enrolled

    return totp_enrolled(user) or Passkey.objects.filter(user=user).count() > 1


def passkey_remove(*, user: User, passkey_id: int, actor: Actor) -> None:
    """Remove one of the user's passkeys (never the last second factor). Audited."""
    from madoguchi.audit.services import audit_record

    with transaction.atomic():
        passkey = Passkey.objects.select_for_update().filter(user=user, pk=passkey_id).first()
        if passkey is None or not may_remove_passkey(user=user):
            return
        audit_record(
            actor=actor, action="staff.passkey_removed", target=passkey, before={"name": passkey.name}
        )
        passkey.delete()


# ------------------------------------------------------------------------------ sign-in


def passkey_authentication_options(*, user: User, rp: RelyingParty) -> tuple[str, bytes]:
    """(options as JSON for ``navigator.credentials.get``, the challenge to keep)."""
    options = generate_authentication_options(
        rp_id=rp.id,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def passkey_verify(*, user: User, credential: Any, challenge: bytes, rp: RelyingParty) -> Passkey:
    """Check a signed assertion from one of ``user``'s passkeys. Raises FieldErrors."""
    data = _credential_dict(credential)
    with transaction.atomic():
        passkey = (
            Passkey.objects.select_for_update()
            .filter(user=user, credential_id=str(data.get("id", "")))
            .first()
        )
        if passkey is None:
            raise FieldErrors({"passkey": [str(NOT_ACCEPTED)]})
        try:
            verified = verify_authentication_response(
                credential=data,
                expected_challenge=challenge,
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
            )
        except (InvalidAuthenticationResponse, KeyError, TypeError, ValueError):
            raise FieldErrors({"passkey": [str(NOT_ACCEPTED)]}) from None
        passkey.sign_count = verified.new_sign_count
        passkey.last_used_at = timezone.now()
        passkey.save(update_fields=["sign_count", "last_used_at"])
    return passkey
