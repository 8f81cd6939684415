"""Staff sign-in through the organization's identity provider (single sign-on)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from madoguchi.accounts.oidc.client import VerifiedLogin


def staff_callback(request, verified: VerifiedLogin, *, next_url: str):
    return render(
        request,
        "accounts_oidc/failed.html",
        {"message": _("職員のシングルサインオンは、まだ使えません。"), "next_url": "/"},
        status=403,
    )
