"""Sign-in by e-mail link: no password for applicants to forget."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from madoguchi.accounts.models import SignInCarry, User
from madoguchi.core.crypto import DecryptionError, decrypt_text, encrypt_text

_SALT = "madoguchi.accounts.login-link"


def safe_next(next_url: str | None) -> str:
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None, require_https=False):
        return next_url
    return reverse(settings.LOGIN_REDIRECT_URL)


def login_link_create(*, email: str, next_url: str = "", carry: dict[str, Any] | None = None) -> str:
    """The sign-in URL for ``email``. ``carry``: session values to restore in the browser that
    opens the link (stored encrypted on the server; the link holds only their id)."""
    email = email.strip().lower()
    payload: dict[str, Any] = {"email": email, "next": safe_next(next_url)}
    if carry:
        payload["carry"] = str(_carry_store(email=email, values=carry))
    token = signing.dumps(payload, salt=_SALT, compress=True)
    return settings.SITE_URL + reverse("accounts:login_verify", args=[token])


def login_link_send(*, email: str, next_url: str = "", carry: dict[str, Any] | None = None) -> None:
    """Send the sign-in link. The mail says nothing about whether an account exists."""
    link = login_link_create(email=email, next_url=next_url, carry=carry)
    minutes = settings.LOGIN_LINK_MAX_AGE // 60
    body = _(
        "窓口 Madoguchi へのログイン用リンクです。\n\n%(link)s\n\n"
        "このリンクの有効期限は%(minutes)s分です。心当たりがない場合は、このメールを破棄してください。\n"
    ) % {"link": link, "minutes": minutes}
    transaction.on_commit(
        lambda: send_mail(_("【窓口】ログイン用リンク"), body, None, [email.strip().lower()])
    )


def login_link_verify(*, token: str) -> tuple[User, str, dict[str, Any]]:
    """Return (user, next_url, carried session values); creates the applicant account on
    first sign-in. The carried values are handed out once.

    Raises signing.BadSignature / signing.SignatureExpired for bad or old links.
    """
    payload: dict[str, Any] = signing.loads(token, salt=_SALT, max_age=settings.LOGIN_LINK_MAX_AGE)
    user, _created = User.objects.get_or_create(email=payload["email"])
    if not user.is_active:
        raise signing.BadSignature("inactive")
    carried = _carry_take(carry_id=payload.get("carry"), email=payload["email"])
    return user, safe_next(payload.get("next")), carried


_CARRY_PURPOSE = "sign-in-carry"


def _carry_store(*, email: str, values: dict[str, Any]) -> Any:
    cutoff = timezone.now() - timedelta(seconds=settings.LOGIN_LINK_MAX_AGE)
    SignInCarry.objects.filter(created_at__lt=cutoff).delete()  # links that can no longer be used
    plaintext = json.dumps(values, ensure_ascii=False, cls=DjangoJSONEncoder)
    row = SignInCarry.objects.create(email=email, payload=encrypt_text(plaintext, purpose=_CARRY_PURPOSE))
    return row.pk


def _carry_take(*, carry_id: Any, email: str) -> dict[str, Any]:
    if not carry_id:
        return {}
    with transaction.atomic():
        row = SignInCarry.objects.select_for_update().filter(pk=carry_id, email=email).first()
        if row is None:  # already used (the link was opened twice), or expired and purged
            return {}
        row.delete()
    try:
        values = json.loads(decrypt_text(row.payload, purpose=_CARRY_PURPOSE))
    except (DecryptionError, ValueError):
        return {}
    return values if isinstance(values, dict) else {}
