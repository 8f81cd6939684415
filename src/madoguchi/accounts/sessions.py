"""How a session was made, and what it may open (decision 0016, docs/identity.md).

Every sign-in goes through one of the two functions here, which call Django's ``login()``
and then mark the session with its **auth level** and **method**:

- ``applicant_session_begin`` — the applicants' e-mail link (or an applicant OIDC login):
  level ``applicant``. Refuses users with staff powers (a membership or admin rights).
- ``staff_session_begin`` — after the staff sign-in's password *and* second factor (TOTP or
  a passkey), or after staff SSO whose second factor the IdP vouched for: level ``staff``.

``staff_required`` (accounts/decorators.py) and the Django admin open only sessions whose
level is ``staff``. A session made any other way — ``login()`` called directly, the admin's
own password form — carries no level and opens no staff page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest

from madoguchi.accounts.constants import AuthLevel, AuthMethod
from madoguchi.accounts.permissions import has_staff_powers
from madoguchi.accounts.types import User

SESSION_AUTH_KEY = "madoguchi.auth"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class SessionAuth:
    level: str  # AuthLevel
    method: str  # AuthMethod
    at: int  # when the session was made (seconds since the epoch)


class StaffSignInRefused(Exception):
    """The user may not get a staff session (no staff powers, or inactive)."""


def session_auth(request: HttpRequest) -> SessionAuth | None:
    """The auth marker of the current session, or None (anonymous, or made without a door)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return None
    raw = request.session.get(SESSION_AUTH_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        return SessionAuth(level=str(raw["level"]), method=str(raw["method"]), at=int(raw["at"]))
    except (KeyError, TypeError, ValueError):
        return None


def is_staff_session(request: HttpRequest) -> bool:
    auth = session_auth(request)
    return auth is not None and auth.level == AuthLevel.STAFF


def staff_viewer(request: HttpRequest) -> User | None:
    """Who reads staff-only content on this request: the signed-in user in a staff session, else
    None. A member of an organization who signed in through the applicant door (the e-mail link)
    sees what the public sees — the site search passes this, not ``request.user``."""
    user = request.user
    return user if isinstance(user, User) and is_staff_session(request) else None


def _mark(request: HttpRequest, *, level: str, method: str) -> None:
    request.session[SESSION_AUTH_KEY] = {"level": str(level), "method": str(method), "at": int(time.time())}


def applicant_session_begin(request: HttpRequest, user: User, *, method: str = AuthMethod.EMAIL_LINK) -> None:
    """Sign ``user`` in as an applicant. The caller has refused staff users already (the
    e-mail link does so without telling why); this is the last guard."""
    if has_staff_powers(user):
        raise StaffSignInRefused("staff users sign in through the staff sign-in")
    login(request, user, backend=MODEL_BACKEND)
    _mark(request, level=AuthLevel.APPLICANT, method=method)


def staff_session_begin(request: HttpRequest, user: User, *, method: str) -> None:
    """Sign ``user`` in as staff — only after the password and a second factor (or staff SSO
    with the IdP's second factor). Writes an audit entry."""
    from madoguchi.audit.services import audit_record

    if method not in (AuthMethod.PASSWORD_TOTP, AuthMethod.PASSWORD_PASSKEY, AuthMethod.OIDC):
        raise ValueError(f"not a staff sign-in method: {method}")
    if not user.is_active or not has_staff_powers(user):
        raise StaffSignInRefused("no staff powers")
    with transaction.atomic():
        audit_record(actor=user, action="staff.signed_in", target=user, after={"method": str(method)})
    login(request, user, backend=MODEL_BACKEND)
    _mark(request, level=AuthLevel.STAFF, method=method)
