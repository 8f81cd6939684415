"""The staff sign-in: password, then a second factor (TOTP or a passkey), then a staff session.

Between the two steps the session holds only a *pending* note (who passed the password, when,
where to go next) — no login. A staff member without a second factor yet enrols one on the
same path before the session starts, so a staff session never rests on a password alone.
Every step is throttled per account and per client (accounts/throttle.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts import passkeys, throttle, totp
from madoguchi.accounts.permissions import has_staff_powers
from madoguchi.accounts.types import User
from madoguchi.core.errors import DomainError, FieldErrors

PENDING_KEY = "accounts.staff_pending"
BAD_LOGIN = _("メールアドレスまたはパスワードが正しくありません。")


class SignInThrottled(DomainError):
    status = 429
    code = "throttled"

    def __init__(self, throttled: throttle.Throttled):
        super().__init__(
            _(
                "試行の回数が上限に達しました。しばらく時間をおいて（%(minutes)s分ほど）から、もう一度お試しください。"
            )
            % {"minutes": throttled.minutes}
        )
        self.retry_after = throttled.retry_after


@dataclass(frozen=True)
class Pending:
    user: User
    next_url: str


def staff_password_check(*, request: HttpRequest, email: str, password: str) -> User:
    """The staff user for these credentials. Applicants, unknown addresses and wrong passwords
    all get the same message; failures count against the typed address and the client."""
    email = (email or "").strip().lower()
    blocked = throttle.throttle_check("password", account=email, request=request)
    if blocked:
        raise SignInThrottled(blocked)
    user = authenticate(request, username=email, password=password)
    if not isinstance(user, User) or not has_staff_powers(user):
        throttle.throttle_hit("password", account=email, request=request)
        raise FieldErrors({"password": [str(BAD_LOGIN)]})
    return user


def pending_begin(request: HttpRequest, *, user: User, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "next": next_url, "at": int(time.time())}


def pending_get(request: HttpRequest) -> Pending | None:
    raw = request.session.get(PENDING_KEY)
    if not isinstance(raw, dict):
        return None
    if time.time() - float(raw.get("at", 0)) > settings.STAFF_SIGN_IN_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user_id = raw.get("user")
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not has_staff_powers(user):
        return None
    return Pending(user=user, next_url=str(raw.get("next") or ""))


def pending_end(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def _factor_account(user: User) -> str:
    return f"user:{user.pk}"


def second_factor_check(*, request: HttpRequest, user: User) -> None:
    blocked = throttle.throttle_check("second_factor", account=_factor_account(user), request=request)
    if blocked:
        raise SignInThrottled(blocked)


def second_factor_failed(*, request: HttpRequest, user: User) -> None:
    throttle.throttle_hit("second_factor", account=_factor_account(user), request=request)


def second_factor_passed(*, user: User) -> None:
    throttle.throttle_clear_account("second_factor", account=_factor_account(user))
    throttle.throttle_clear_account("password", account=user.email)


def staff_totp_sign_in(
    *, request: HttpRequest, user: User, code: str, enrol_secret: str | None = None
) -> None:
    """Check a TOTP code for the pending user; with ``enrol_secret``, the code confirms a new
    authenticator (first sign-in). Throttled like every second factor."""
    second_factor_check(request=request, user=user)
    try:
        if enrol_secret:
            totp.totp_confirm(user=user, secret=enrol_secret, code=code)
        else:
            totp.totp_verify(user=user, code=code)
    except FieldErrors:
        second_factor_failed(request=request, user=user)
        raise
    second_factor_passed(user=user)


def staff_passkey_sign_in(*, request: HttpRequest, user: User, credential: Any, challenge: bytes) -> None:
    """Check a passkey assertion for the pending user. Throttled like every second factor."""
    second_factor_check(request=request, user=user)
    try:
        if not challenge:
            raise FieldErrors({"passkey": [str(passkeys.NOT_ACCEPTED)]})
        passkeys.passkey_verify(
            user=user, credential=credential, challenge=challenge, rp=passkeys.relying_party(request)
        )
    except FieldErrors:
        second_factor_failed(request=request, user=user)
        raise
    second_factor_passed(user=user)
