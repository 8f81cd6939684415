"""Audit pages for staff: the chain's state (auditors and administrators only)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from madoguchi.audit import selectors


def chain_status(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('review:login')}?next={request.get_full_path()}")
    if not selectors.may_audit(request.user):
        raise Http404
    return render(
        request, "audit/chain.html", selectors.chain_overview(verify=request.GET.get("verify") == "1")
    )
