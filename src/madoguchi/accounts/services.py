"""Sign-in by e-mail link: no password for applicants to forget."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from madoguchi.accounts.models import User

_SALT = "madoguchi.accounts.login-link"


def safe_next(next_url: str | None) -> str:
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None, require_https=False):
        return next_url
    return reverse(settings.LOGIN_REDIRECT_URL)


def login_link_create(*, email: str, next_url: str = "") -> str:
    email = email.strip().lower()
    token = signing.dumps({"email": email, "next": safe_next(next_url)}, salt=_SALT, compress=True)
    return settings.SITE_URL + reverse("accounts:login_verify", args=[token])


def login_link_send(*, email: str, next_url: str = "") -> None:
    """Send the sign-in link. The mail says nothing about whether an account exists."""
    link = login_link_create(email=email, next_url=next_url)
    minutes = settings.LOGIN_LINK_MAX_AGE // 60
    body = _(
        "窓口 Madoguchi へのログイン用リンクです。\n\n%(link)s\n\n"
        "このリンクの有効期限は%(minutes)s分です。心当たりがない場合は、このメールを破棄してください。\n"
    ) % {"link": link, "minutes": minutes}
    transaction.on_commit(
        lambda: send_mail(_("【窓口】ログイン用リンク"), body, None, [email.strip().lower()])
    )


def login_link_verify(*, token: str) -> tuple[User, str]:
    """Return (user, next_url); creates the applicant account on first sign-in.

    Raises signing.BadSignature / signing.SignatureExpired for bad or old links.
    """
    payload: dict[str, Any] = signing.loads(token, salt=_SALT, max_age=settings.LOGIN_LINK_MAX_AGE)
    user, _created = User.objects.get_or_create(email=payload["email"])
    if not user.is_active:
        raise signing.BadSignature("inactive")
    return user, safe_next(payload.get("next"))
