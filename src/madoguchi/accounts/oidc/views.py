"""Sign-in through identity providers: start, the provider's answer, linking, the level page."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.accounts import services as account_services
from madoguchi.accounts.constants import AuthMethod
from madoguchi.accounts.oidc import client, services
from madoguchi.accounts.oidc.assurance import IdentityLevelRequired, session_set_assurance
from madoguchi.accounts.oidc.constants import Assurance, Audience
from madoguchi.accounts.oidc.providers import Provider, provider_get, provider_list
from madoguchi.accounts.sessions import applicant_session_begin
from madoguchi.core.errors import DomainError

logger = logging.getLogger(__name__)

NEXT_SESSION_KEY = "accounts_oidc.next"
PENDING_SESSION_KEY = "accounts_oidc.pending"


def _carried_keys() -> tuple[str, ...]:
    from madoguchi.accounts.views import CARRIED_SESSION_KEYS

    return tuple(CARRIED_SESSION_KEYS)


def callback_url(provider: Provider) -> str:
    """The redirect URI to register at the provider (docs/identity.md)."""
    return settings.SITE_URL + reverse("accounts_oidc:callback", args=[provider.id])


def _failed(request, *, message: str, next_url: str = "", status: int = 400):
    return render(
        request,
        "accounts_oidc/failed.html",
        {"message": message, "next_url": next_url or reverse("accounts:login")},
        status=status,
    )


@never_cache
def oidc_login(request, provider_id: str):
    """Send the browser to the provider's sign-in page (GET, so it can be a plain link)."""
    provider = provider_get(provider_id)
    if provider is None:
        raise Http404
    next_url = account_services.safe_next(request.GET.get("next"))
    request.session[NEXT_SESSION_KEY] = next_url
    acr_values = provider.acr_values if request.GET.get("level") == "verified" else ()
    try:
        return client.authorization_url(
            request, provider, redirect_uri=callback_url(provider), acr_values=acr_values
        )
    except client.OidcError as exc:
        logger.warning("oidc %s: cannot start sign-in: %s", provider.id, exc.reason)
        return _failed(
            request,
            message=_("%(provider)sにつながりませんでした。しばらくしてから、もう一度お試しください。")
            % {"provider": provider.display_label},
            next_url=next_url,
            status=503,
        )


@never_cache
def oidc_callback(request, provider_id: str):
    """The provider sends the browser back here with a code (or an error)."""
    provider = provider_get(provider_id)
    if provider is None:
        raise Http404
    next_url = account_services.safe_next(request.session.pop(NEXT_SESSION_KEY, ""))
    try:
        verified = client.complete_login(request, provider)
    except client.OidcError as exc:
        logger.warning("oidc %s: sign-in refused: %s", provider.id, exc.reason)
        if exc.provider_error == "access_denied":
            message = _("ログインを中止しました。入力した内容は保存されています。")
        else:
            message = _(
                "ログインを確認できませんでした。お手数ですが、もう一度お試しください。入力した内容は保存されています。"
            )
        return _failed(request, message=message, next_url=next_url)
    if provider.audience == Audience.STAFF:
        from madoguchi.accounts.oidc.staff import staff_callback

        return staff_callback(request, verified, next_url=next_url)
    try:
        result = services.oidc_applicant_sign_in(login=verified, current_user=request.user)
    except DomainError as exc:
        return _failed(
            request, message=str(exc.message), next_url=reverse("accounts:login"), status=exc.status
        )
    if result.user is None:  # the address belongs to an account: prove it first
        request.session[PENDING_SESSION_KEY] = {**services.pending_link_from(verified), "next": next_url}
        return redirect("accounts_oidc:link")
    sign_in(request, result.user, assurance=verified.assurance, identity_id=result.identity.pk)
    if result.linked:
        messages.success(
            request,
            _("%(provider)sのIDを、このアカウントにつなげました。") % {"provider": provider.display_label},
        )
    return redirect(next_url)


def sign_in(request, user, *, assurance: Assurance, identity_id: int | None) -> None:
    """``login()`` that keeps what the visitor typed even when another account was signed in
    (Django empties the session then), and records the session's assurance level."""
    carried = {key: request.session[key] for key in _carried_keys() if key in request.session}
    applicant_session_begin(request, user, method=AuthMethod.OIDC)  # refuses staff (checked before)
    for key, value in carried.items():
        request.session.setdefault(key, value)
    session_set_assurance(request, assurance, identity_id=identity_id)


@never_cache
@require_http_methods(["GET", "POST"])
def oidc_link(request):
    """The provider named an address that an account already uses: prove it by e-mail link."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending:
        return redirect("accounts:login")
    provider = provider_get(pending["provider"])
    if request.method == "POST":
        account_services.login_link_send(
            email=pending["email"], next_url=reverse("accounts_oidc:link_complete")
        )
        return render(
            request,
            "accounts/login_sent.html",
            {"email": pending["email"], "has_stash": any(k in request.session for k in _carried_keys())},
        )
    return render(request, "accounts_oidc/link.html", {"pending": pending, "provider": provider})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def oidc_link_complete(request):
    """Back from the e-mail link, in the same browser: link the provider account on request."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending:
        messages.info(request, _("つなげる外部のIDは見つかりませんでした。"))
        return redirect("applications:mine")
    provider = provider_get(pending["provider"])
    if request.method == "POST":
        try:
            identity = services.oidc_link_pending(
                user=request.user, pending=pending, max_age=settings.LOGIN_LINK_MAX_AGE
            )
        except DomainError as exc:
            request.session.pop(PENDING_SESSION_KEY, None)
            return _failed(request, message=str(exc.message), next_url=reverse("applications:mine"))
        request.session.pop(PENDING_SESSION_KEY, None)
        session_set_assurance(request, Assurance(identity.assurance), identity_id=identity.pk)
        messages.success(
            request,
            _("%(provider)sのIDを、このアカウントにつなげました。")
            % {"provider": provider.display_label if provider else identity.provider},
        )
        return redirect(account_services.safe_next(pending.get("next")))
    return render(request, "accounts_oidc/link_complete.html", {"pending": pending, "provider": provider})


# ---------------------------------------------------------------------------- the level page


def level_required_response(
    request, exc: IdentityLevelRequired, *, next_url: str, procedure: Any = None, status: int = 200
):
    """The page that tells an applicant how to reach the level a procedure needs.

    Called by the applicant pages instead of their own content. What they typed stays where it
    is (the draft, or the session for a visitor), and each way to sign in comes back to
    ``next_url``. A page of guidance, so 200 (the API answers 403).
    """
    providers = provider_list(audience=Audience.APPLICANT, minimum=exc.required)
    level = "verified" if exc.required >= Assurance.VERIFIED else ""
    return render(
        request,
        "accounts_oidc/level_required.html",
        {
            "required": exc.required,
            "required_label": Assurance(exc.required).label,
            "current": exc.current,
            "providers": providers,
            "next_url": next_url,
            "level": level,
            "procedure": procedure,
            "email_enough": exc.required <= Assurance.EMAIL,
        },
        status=status,
    )
