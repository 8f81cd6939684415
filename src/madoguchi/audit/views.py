"""Audit pages for staff: the chain's state (auditors and administrators only)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from madoguchi.accounts.decorators import staff_required
from madoguchi.audit import selectors


@staff_required
def chain_status(request):
    if not selectors.may_audit(request.user):
        raise Http404
    return render(
        request, "audit/chain.html", selectors.chain_overview(verify=request.GET.get("verify") == "1")
    )
