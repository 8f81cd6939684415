"""Who may open the ledger at all: a staff session with a second factor, and a ledger role.

This is the ONE place that knows how staff identity works today (review's staff sign-in with
TOTP). When ``madoguchi.accounts`` gains ``staff_required(roles=…)`` and a staff-session
marker, only ``staff_session_problem`` changes. Which *event* and which rows a user may see
is decided per request in ``selectors.access_event`` (404 for everyone else).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from madoguchi.core.errors import PermissionDeniedError


def has_ledger_role(user: Any) -> bool:
    from madoguchi.ledger.models import LedgerRole

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_ledger_has_role", None)
    if cached is None:
        cached = LedgerRole.objects.filter(user=user).exists()
        try:
            user._ledger_has_role = cached
        except AttributeError:
            pass
    return cached


def has_second_factor(request: HttpRequest) -> bool:
    """Interim: the user signed in on the staff page, which asks enrolled users for a TOTP code,
    and is enrolled. (To become: the staff-session marker of ``accounts``.)"""
    from madoguchi.review.services.auth import staff_needs_totp

    return staff_needs_totp(request.user)


def staff_session_problem(request: HttpRequest) -> HttpResponse | None:
    """None when the request may go on; else the response (sign in / set up MFA). Raises 404
    for signed-in users without a ledger role, so the ledger's existence is not disclosed."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('review:login')}?{urlencode({'next': request.get_full_path()})}")
    if not has_ledger_role(request.user):
        raise Http404
    if not has_second_factor(request):
        messages.info(
            request, _("災害時都民台帳を使うには2段階認証が必要です。認証アプリを設定してください。")
        )
        return redirect("review:mfa_setup")
    return None


def ledger_staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        problem = staff_session_problem(request)
        if problem is not None:
            return problem
        return view(request, *args, **kwargs)

    return wrapper


def api_check(request: HttpRequest) -> Any:
    """The API's door: the same rule, answered as 404 / 403 instead of redirects."""
    user = getattr(request, "auth", None) or request.user
    if not has_ledger_role(user):
        raise Http404
    request.user = user
    if not has_second_factor(request):
        raise PermissionDeniedError(_("2段階認証を設定した職員だけが使えます。"), code="mfa_required")
    return user
