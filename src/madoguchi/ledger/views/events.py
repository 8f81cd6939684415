from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.constants import OrganizationKind
from madoguchi.accounts.models import Organization
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.ledger import selectors, services
from madoguchi.ledger.forms import EventForm, read_date
from madoguchi.ledger.selectors.events import prefectures_of
from madoguchi.ledger.views.common import int_or_none, ledger_staff_required, render_event


@ledger_staff_required
def home(request):
    events = selectors.event_list(user=request.user)
    return render(
        request,
        "ledger/home.html",
        {"events": events, "can_open": prefectures_of(request.user).exists(), "nav": "home"},
    )


@ledger_staff_required
def event_new(request):
    if not prefectures_of(request.user).exists():
        from django.http import Http404

        raise Http404
    choices = [(str(o.pk), o.name) for o in Organization.objects.filter(kind=OrganizationKind.MUNICIPALITY)]
    form = EventForm(request.POST or None, municipality_choices=choices)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form.is_valid()
        data = form.cleaned_data
        occurred = read_date(request.POST.get("occurred_on", ""))
        try:
            event = services.event_create(
                user=request.user,
                prefecture_id=None,
                name=data.get("name", ""),
                occurred_on=occurred,
                municipality_ids=[int(v) for v in request.POST.getlist("municipalities") if v.isdigit()],
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
            if request.POST.get("occurred_on", "").strip() and occurred is None:
                errors["occurred_on"] = [
                    _("発生日を日付として読み取れません（例: 2026-09-01、令和8年9月1日）。")
                ]
        else:
            messages.success(request, _("災害「%(name)s」を登録しました。") % {"name": event.name})
            return redirect("ledger:event", event.pk)
    return render(
        request,
        "ledger/event_new.html",
        {
            "choices": choices,
            "errors": errors,
            "posted": request.POST,
            "selected": request.POST.getlist("municipalities"),
            "nav": "home",
        },
        status=422 if errors else 200,
    )


@ledger_staff_required
def event_detail(request, event_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    context = selectors.event_overview(access=access)
    others = []
    if access.is_prefecture:
        taking_part = {p.organization_id for p in context["participants"]}
        others = list(
            Organization.objects.filter(kind=OrganizationKind.MUNICIPALITY).exclude(pk__in=taking_part)
        )
    return render_event(request, "ledger/event.html", access, {**context, "others": others}, nav="event")


@ledger_staff_required
@require_POST
def event_status(request, event_id):
    try:
        services.event_set_status(user=request.user, event_id=event_id, status=request.POST.get("status", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("災害の状態を変えました。"))
    return redirect("ledger:event", event_id)


@ledger_staff_required
@require_POST
def event_add_municipality(request, event_id):
    try:
        services.event_add_municipality(
            user=request.user,
            event_id=event_id,
            organization_id=int_or_none(request.POST.get("organization")) or 0,
        )
    except FieldErrors as exc:
        messages.error(request, " ".join(m for ms in exc.as_dict().values() for m in ms))
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("対象の区市町村を追加しました。"))
    return redirect("ledger:event", event_id)


@ledger_staff_required
def job_detail(request, event_id, job_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    job = selectors.access_job(access=access, job_id=job_id)
    progress = selectors.job_progress(job)
    upload = getattr(job, "upload", None) if job.kind == "upload" else None
    auto = request.GET.get("auto", "1") != "0"
    return render_event(
        request,
        "ledger/job.html",
        access,
        {"job": job, "progress": progress, "upload": upload, "auto_refresh": auto and progress["running"]},
        nav="event",
    )


@ledger_staff_required
def job_status(request, event_id, job_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    job = selectors.access_job(access=access, job_id=job_id)
    response = JsonResponse(selectors.job_progress(job), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@ledger_staff_required
@require_POST
def feeds_sync(request, event_id):
    from madoguchi.ledger.services.feeds import feeds_sync_request

    try:
        uploads = feeds_sync_request(user=request.user, event_id=event_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    else:
        added = sum(u.added for u in uploads)
        changed = sum(u.changed for u in uploads)
        messages.success(
            request,
            _("罹災証明書の申請を取り込みました（追加 %(a)s 件・変更 %(c)s 件）。")
            % {"a": added, "c": changed},
        )
    return redirect("ledger:event", event_id)
