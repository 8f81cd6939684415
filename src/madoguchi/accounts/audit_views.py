"""The audit chain's page for staff (auditors and administrators), mounted at /audit/.

The page sits behind the staff door, so it lives here, above the audit app: audit is below
accounts (accounts records its changes through ``audit_record``) and never imports it; the
page reads the chain through ``audit.selectors``. Its template stays ``audit/chain.html``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from madoguchi.accounts.constants import Role
from madoguchi.accounts.decorators import staff_required
from madoguchi.audit import selectors

AUDIT_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})


@staff_required(roles=AUDIT_ROLES)
def chain_status(request: HttpRequest) -> HttpResponse:
    return render(
        request, "audit/chain.html", selectors.chain_overview(verify=request.GET.get("verify") == "1")
    )
