from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core.errors import DomainError
from madoguchi.ledger import selectors
from madoguchi.ledger.constants import PairStatus
from madoguchi.ledger.selectors import pairs as pair_selectors
from madoguchi.ledger.services import matching as matching_services
from madoguchi.ledger.services.reads import ledger_read_record
from madoguchi.ledger.views.common import ledger_staff_required, page_number, render_event


@ledger_staff_required
@require_POST
def matching_start(request, event_id):
    try:
        job = matching_services.matching_start(user=request.user, event_id=event_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
        return redirect("ledger:event", event_id)
    return redirect("ledger:job", event_id, job.pk)


@ledger_staff_required
def pairs(request, event_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    status = request.GET.get("status", PairStatus.PENDING)
    page, rows = pair_selectors.pair_queue(access=access, status=status, page=page_number(request))
    return render_event(
        request,
        "ledger/pairs.html",
        access,
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": PairStatus.choices,
            "extra_query": f"status={status}&",
        },
        nav="pairs",
    )


@ledger_staff_required
def pair_detail(request, event_id, pair_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    pair = pair_selectors.access_pair(access=access, pair_id=pair_id)
    error_message = ""
    if request.method == "POST":
        try:
            matching_services.pair_decide(
                user=request.user,
                event_id=event_id,
                pair_id=pair.pk,
                decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            error_message = str(exc.message)
        else:
            messages.success(
                request,
                _("同一人物として記録しました。")
                if request.POST.get("decision") == PairStatus.CONFIRMED
                else _("別人として記録しました。この組は今後、候補に出ません。"),
            )
            following = pair_selectors.pair_queue(access=access)[1]
            if following:
                return redirect("ledger:pair", event_id, following[0]["pair"].pk)
            return redirect("ledger:pairs", event_id)
    context = pair_selectors.pair_page(access=access, pair=pair)
    ledger_read_record(
        user=request.user,
        access=access,
        what="pair",
        details={"pair": pair.pk, "records": [pair.record_a_id, pair.record_b_id]},
    )
    return render_event(
        request,
        "ledger/pair.html",
        access,
        {**context, "error_message": error_message, "posted": request.POST},
        nav="pairs",
        status=422 if error_message else 200,
    )
