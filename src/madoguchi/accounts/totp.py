"""TOTP authenticators for the staff sign-in (RFC 6238 via pyotp: SHA-1, 6 digits, 30 s).

The secret is encrypted at rest with core.crypto (purpose ``"totp"``) and decrypted only to
check a code or to show it once while enrolling. A code is accepted once: its time step
must be later than the last accepted one. Attempts are throttled by the caller
(accounts/staff_signin.py), which knows the client.
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any

import pyotp
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import TotpDevice
from madoguchi.accounts.types import Actor, User
from madoguchi.core.crypto import decrypt_text, encrypt_text
from madoguchi.core.errors import FieldErrors

PURPOSE = "totp"
ENROL_PURPOSE = "totp-enrol"
INTERVAL = 30
DIGITS = 6
WINDOW = 1  # steps either side, for clock drift

BAD_CODE = _("確認コードが正しくないか、有効期限が切れています。新しいコードを入力してください。")
NOT_ENROLLED = _("認証アプリが設定されていません。")


def normalize_code(code: str) -> str:
    """Digits only; full-width digits (１２３４５６) count as digits."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", code or "") if ch.isdigit())


def totp_secret(device: TotpDevice) -> str:
    return decrypt_text(device.secret, purpose=PURPOSE)


def totp_enrolled(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def totp_new_secret() -> str:
    """A fresh secret for enrolment. It is kept (encrypted) in the session until a code from
    the app confirms it (``totp_confirm``); only then does a device row exist."""
    return pyotp.random_base32()


def seal_enrol_secret(secret: str) -> str:
    return encrypt_text(secret, purpose=ENROL_PURPOSE)


def open_enrol_secret(sealed: Any) -> str | None:
    try:
        return decrypt_text(str(sealed), purpose=ENROL_PURPOSE)
    except ValueError:
        return None


def provisioning_uri(secret: str, *, account: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name="Madoguchi"
    )


def _matching_step(secret: str, code: str, now: float) -> int | None:
    code = normalize_code(code)
    if len(code) != DIGITS:
        return None
    otp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    step = int(now // INTERVAL)
    found = None
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if pyotp.utils.strings_equal(otp.at(candidate * INTERVAL), code):
            found = candidate
    return found


def totp_verify(*, user: User, code: str, now: float | None = None) -> TotpDevice:
    """Accept ``code`` from the user's authenticator once (no replay). Raises FieldErrors."""
    now = time.time() if now is None else now
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        if device is None:
            raise FieldErrors({"code": [str(NOT_ENROLLED)]})
        step = _matching_step(totp_secret(device), code, now)
        if step is None or step <= device.last_step:
            raise FieldErrors({"code": [str(BAD_CODE)]})
        device.last_step = step
        device.save(update_fields=["last_step"])
    return device


def totp_confirm(*, user: User, secret: str, code: str, now: float | None = None) -> TotpDevice:
    """Enrol (or replace) the user's authenticator once a code made with ``secret`` is right.
    Raises FieldErrors. Audited."""
    from madoguchi.audit.services import audit_record

    now = time.time() if now is None else now
    step = _matching_step(secret, code, now)
    if step is None:
        raise FieldErrors({"code": [str(BAD_CODE)]})
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        replaced = device is not None and device.confirmed_at is not None
        if device is None:
            device = TotpDevice(user=user)
        device.secret = encrypt_text(secret, purpose=PURPOSE)
        device.last_step = step
        device.confirmed_at = timezone.now()
        device.save()
        audit_record(
            actor=user,
            action="staff.totp_replaced" if replaced else "staff.totp_enrolled",
            target=device,
            after={"user": user.pk},
        )
    return device


def totp_remove(*, user: User, actor: Actor) -> None:
    """Remove the user's authenticator (to enrol a new phone). Audited."""
    from madoguchi.audit.services import audit_record

    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return
        audit_record(actor=actor, action="staff.totp_removed", target=device, after={"user": user.pk})
        device.delete()
