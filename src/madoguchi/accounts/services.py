"""Sign-in by e-mail link: no password for applicants to forget (staff never sign in this way)."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from madoguchi.accounts.models import SignInCarry, SignInLink, User
from madoguchi.accounts.permissions import has_staff_powers
from madoguchi.core.crypto import DecryptionError, decrypt_text, encrypt_text


class LinkInvalid(Exception):
    """The link is unknown, used, replaced by a newer one, voided by a sign-out, or refused.
    ``expired``: it was valid once but is too old (the page says so)."""

    def __init__(self, *, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def safe_next(next_url: str | None) -> str:
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None, require_https=False):
        return next_url
    return reverse(settings.LOGIN_REDIRECT_URL)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def login_link_create(*, email: str, next_url: str = "", carry: dict[str, Any] | None = None) -> str:
    """A new sign-in URL for ``email``; every older unused link of that address stops working.
    ``carry``: session values to restore in the browser that opens the link (stored encrypted
    on the server; the link holds only a random token)."""
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    cutoff = timezone.now() - timedelta(seconds=settings.LOGIN_LINK_MAX_AGE)
    with transaction.atomic():
        SignInLink.objects.filter(Q(email=email) | Q(created_at__lt=cutoff)).delete()
        SignInLink.objects.create(
            email=email,
            token_hash=_digest(token),
            next_url=safe_next(next_url),
            carry_id=_carry_store(email=email, values=carry) if carry else None,
        )
    return settings.SITE_URL + reverse("accounts:login_verify", args=[token])


def login_link_send(*, email: str, next_url: str = "", carry: dict[str, Any] | None = None) -> None:
    """Send the sign-in link. The page that asked says the same whatever the address: an
    address of a staff member gets a mail pointing to the staff sign-in instead of a link."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is not None and has_staff_powers(user):
        subject = _("【窓口】職員の方のログインについて")
        body = _(
            "このメールアドレスは職員のアカウントです。メールのリンクではログインできません。\n"
            "職員ログイン（パスワードと2段階認証）をご利用ください。\n\n%(url)s\n\n"
            "心当たりがない場合は、このメールを破棄してください。\n"
        ) % {"url": settings.SITE_URL + reverse("staff_auth:login")}
    else:
        link = login_link_create(email=email, next_url=next_url, carry=carry)
        minutes = settings.LOGIN_LINK_MAX_AGE // 60
        subject = _("【窓口】ログイン用リンク")
        body = _(
            "窓口 Madoguchi へのログイン用リンクです。\n\n%(link)s\n\n"
            "このリンクの有効期限は%(minutes)s分です。心当たりがない場合は、このメールを破棄してください。\n"
        ) % {"link": link, "minutes": minutes}
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))


def login_link_verify(*, token: str) -> tuple[User, str, dict[str, Any]]:
    """Use a sign-in link: return (user, next_url, carried session values), creating the
    applicant account on first sign-in. A link works once, only while it is its address's
    newest, and never for a user with staff powers (who gets the same answer as for a bad
    link). Raises ``LinkInvalid``."""
    with transaction.atomic():
        link = SignInLink.objects.select_for_update().filter(token_hash=_digest(token or "")).first()
        if link is None:
            raise LinkInvalid()
        link.delete()  # used, whatever follows
    if link.created_at < timezone.now() - timedelta(seconds=settings.LOGIN_LINK_MAX_AGE):
        raise LinkInvalid(expired=True)
    user = User.objects.filter(email=link.email).first()
    if user is not None and (not user.is_active or has_staff_powers(user)):
        raise LinkInvalid()
    if user is None:
        user, _created = User.objects.get_or_create(email=link.email)
    carried = _carry_take(carry_id=link.carry_id, email=link.email)
    return user, safe_next(link.next_url), carried


def login_links_void(*, email: str) -> None:
    """Signing out voids every unused link sent to the address."""
    SignInLink.objects.filter(email=(email or "").strip().lower()).delete()


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
