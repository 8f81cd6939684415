"""Who may open the ledger at all: a staff session with a second factor, and a ledger role.

Staff identity is ``accounts.staff_required`` (a staff session: password and a second factor);
this module adds the ledger role. Which *event* and which rows a user may see
is decided per request in ``selectors.access_event`` (404 for everyone else).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from madoguchi.accounts.decorators import staff_required
from madoguchi.accounts.types import User, Viewer
from madoguchi.core.errors import PermissionDeniedError


def has_ledger_role(user: Viewer | None) -> bool:
    from madoguchi.ledger.models import LedgerRole

    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return False
    cached: bool | None = getattr(user, "_ledger_has_role", None)
    if cached is None:
        cached = LedgerRole.objects.filter(user=user).exists()
        try:
            user._ledger_has_role = cached  # type: ignore[attr-defined]  # a cache on the request's user
        except AttributeError:
            pass
    return cached


def staff_session_problem(request: HttpRequest) -> HttpResponse | None:
    """None when the request may go on; else the staff sign-in redirect. Raises 404 for users
    without a ledger role, so the ledger's existence is not disclosed. The staff session
    (password + second factor, accounts/sessions.py) is checked by ``accounts.staff_required``."""
    if request.user.is_authenticated and not has_ledger_role(request.user):
        raise Http404
    return None


def ledger_staff_required(view):
    """``accounts.staff_required`` (a staff session: password and a second factor), then a ledger role."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        problem = staff_session_problem(request)
        if problem is not None:
            return problem
        return view(request, *args, **kwargs)

    return wrapper


def api_check(request: HttpRequest) -> Any:
    """The API's door: a ledger role (else 404) and a staff session (else 403). Staff accounts
    get no personal API tokens (accounts.apiauth), so the API is used from a staff session."""
    from madoguchi.accounts.sessions import is_staff_session

    user = request.user
    if not has_ledger_role(user):
        raise Http404
    if not is_staff_session(request):
        raise PermissionDeniedError(_("2段階認証を設定した職員だけが使えます。"), code="mfa_required")
    return user
