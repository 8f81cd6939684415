"""The event's «担当者» page: who holds a ledger role for this event; the prefecture grants and
takes back per-event roles."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.ledger import selectors, services
from madoguchi.ledger.views.common import int_or_none, ledger_staff_required, render_event


@ledger_staff_required
def roles(request, event_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    holders = selectors.event_roles(access=access)  # 404 for a municipality
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            role = services.event_role_grant(
                user=request.user,
                event_id=event_id,
                email=request.POST.get("email", ""),
                organization_id=int_or_none(request.POST.get("organization")),
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        else:
            messages.success(
                request,
                _("%(email)s さんを%(org)sの担当にしました。")
                % {"email": role.user.email, "org": role.organization.name},
            )
            return redirect("ledger:roles", event_id)
    organizations = [access.event.prefecture] + [
        p.organization for p in access.event.participants.select_related("organization")
    ]
    return render_event(
        request,
        "ledger/roles.html",
        access,
        {"holders": holders, "organizations": organizations, "errors": errors, "posted": request.POST},
        nav="roles",
        status=form_status(request, errors),
    )


@ledger_staff_required
@require_POST
def role_revoke(request, event_id, role_id):
    try:
        services.event_role_revoke(user=request.user, event_id=event_id, role_id=role_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("担当を外しました。"))
    return redirect("ledger:roles", event_id)
