"""カウンターで見せるQRコード: the visitor shows a one-time code so counter staff take over the draft.

The code is issued by ``counter.services.handoff_create`` (stored hashed); the plain code is
kept in the visitor's session only, so the page can show it again until it expires or is used.
An applicant page that belongs to the counter (it sits above applications): mounted under
/applications/ by ``counter/applicant_urls.py``, linked from the applicant's step pages and
申請一覧 as ``handoff:draft``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.applications import selectors
from madoguchi.applications.views.common import error_page
from madoguchi.core.errors import DomainError
from madoguchi.core.qr import qr_svg
from madoguchi.counter import codes
from madoguchi.counter import selectors as counter_selectors
from madoguchi.counter import services as counter_services

HANDOFF_SESSION_KEY = "applications.handoff_codes"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def draft_handoff(request, draft_id):
    draft = selectors.access_draft(user=request.user, draft_id=draft_id)
    if draft.application_id:
        return redirect("applications:detail", draft.application_id)
    stored = request.session.get(HANDOFF_SESSION_KEY, {})
    if request.method == "POST":
        try:
            _handoff, code = counter_services.handoff_create(applicant=request.user, draft_id=draft.pk)
        except DomainError as exc:
            return error_page(request, exc)
        request.session[HANDOFF_SESSION_KEY] = {**stored, str(draft.pk): code}
        return redirect("handoff:draft", draft.pk)
    code = stored.get(str(draft.pk), "")
    handoff = counter_selectors.active_handoff(draft=draft, code=code) if code else None
    context = {"draft": draft, "procedure": draft.version.procedure, "handoff": handoff}
    if handoff is not None:
        url = request.build_absolute_uri(reverse("counter:handoff", args=[code]))
        context |= {
            "code": codes.display(code),
            "qr": qr_svg(url, label=_("窓口の職員が読み取るQRコード"), css_class="qr-code"),
        }
    return render(request, "counter/draft_handoff.html", context)
