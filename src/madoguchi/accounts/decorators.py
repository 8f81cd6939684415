"""``staff_required``: the one door check of every staff page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from madoguchi.accounts.permissions import StaffScope, has_staff_powers
from madoguchi.accounts.sessions import is_staff_session


def staff_sign_in_url(next_url: str = "") -> str:
    url = reverse("staff_auth:login")
    return f"{url}?next={quote(next_url, safe='/')}" if next_url else url


def staff_required(view: Callable | None = None, *, roles: Iterable[str] | None = None) -> Any:
    """A staff page: needs a **staff session** (password + second factor, or staff SSO —
    accounts/sessions.py). A visitor who is not signed in, or a staff member whose session
    was made otherwise, is sent to the staff sign-in (keeping the page as ``next``); a signed-in
    applicant gets 404, as for anything not theirs. ``roles``: the page also needs a membership
    with one of them (superusers pass), else 404.

    Use as ``@staff_required`` or ``@staff_required(roles={Role.OWNER, Role.ADMIN})``.
    """
    wanted = frozenset(roles) if roles is not None else None

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.is_authenticated and not has_staff_powers(user):
                raise Http404
            if not is_staff_session(request):
                return redirect(staff_sign_in_url(request.get_full_path()))
            if wanted is not None and not user.is_superuser and not StaffScope.of(user).has_role(*wanted):
                raise Http404
            return func(request, *args, **kwargs)

        wrapper.staff_required = True  # type: ignore[attr-defined]
        return wrapper

    return decorate(view) if view is not None else decorate
