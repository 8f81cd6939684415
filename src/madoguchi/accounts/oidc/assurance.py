"""How sure a session is of who is signed in, and what a procedure requires.

e-mail link (``EMAIL``) < an account at an identity provider (``ACCOUNT``) < an identity the
provider verified, e.g. with the マイナンバーカード (``VERIFIED``). The level belongs to the
session, not to the user: a person who once signed in with their card and today used an e-mail
link has today's level. It counts only while the session's door marker (accounts/sessions.py)
says the session was made by an OIDC login. API requests with a personal token count as ``EMAIL``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.core.errors import PermissionDeniedError

SESSION_ASSURANCE_KEY = "accounts.assurance"
SESSION_IDENTITY_KEY = "accounts_oidc.identity"

# A procedure's identity level (procedures.constants.IdentityLevel values) → the session level
# it needs. Written as strings so accounts does not import procedures; an unknown level asks for
# the highest (fail closed).
REQUIRED_BY_IDENTITY_LEVEL: dict[str, Assurance] = {
    "none": Assurance.EMAIL,  # drafts belong to an account: signing in is always needed
    "account": Assurance.EMAIL,
    "document": Assurance.EMAIL,  # plus the document, which the form asks for
    "provider": Assurance.ACCOUNT,
    "mynumber_card": Assurance.VERIFIED,
}


class IdentityLevelRequired(PermissionDeniedError):
    """The session is not sure enough of who is applying for this procedure."""

    code = "identity_level_required"

    def __init__(self, *, required: Assurance, current: Assurance) -> None:
        super().__init__(
            _("この手続には「%(level)s」でのログインが必要です。") % {"level": Assurance(required).label}
        )
        self.required = Assurance(required)
        self.current = Assurance(current)


def required_assurance(identity_level: str) -> Assurance:
    return REQUIRED_BY_IDENTITY_LEVEL.get(identity_level or "account", Assurance.VERIFIED)


def session_assurance(request: Any) -> Assurance:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Assurance.NONE
    if getattr(request, "auth_method", "") == "token":
        return Assurance.EMAIL
    from madoguchi.accounts.constants import AuthMethod
    from madoguchi.accounts.sessions import session_auth

    auth = session_auth(request)
    if auth is None or auth.method != AuthMethod.OIDC:
        return Assurance.EMAIL  # the e-mail link (or a staff session applying for itself)
    session = getattr(request, "session", None)
    if session is None:
        return Assurance.ACCOUNT
    try:
        return Assurance(int(session.get(SESSION_ASSURANCE_KEY, Assurance.ACCOUNT)))
    except (TypeError, ValueError, AttributeError):
        return Assurance.ACCOUNT


def session_set_assurance(request: Any, level: Assurance, *, identity_id: int | None = None) -> None:
    request.session[SESSION_ASSURANCE_KEY] = int(level)
    if identity_id is None:
        request.session.pop(SESSION_IDENTITY_KEY, None)
    else:
        request.session[SESSION_IDENTITY_KEY] = identity_id


def assurance_check(*, identity_level: str, assurance: Assurance) -> None:
    """Raise IdentityLevelRequired when ``assurance`` is below what ``identity_level`` needs."""
    required = required_assurance(identity_level)
    if assurance < required:
        raise IdentityLevelRequired(required=required, current=assurance)


def request_identity_check(request: Any, *, identity_level: str) -> None:
    """``assurance_check`` for the session (or token) of ``request``."""
    assurance_check(identity_level=identity_level, assurance=session_assurance(request))
