"""書かない窓口 pages under /counter/. Views parse input and call one service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.counter import codes, selectors, services
from madoguchi.counter.models import VisitStatus
from madoguchi.procedures.lookup import lookup_button, run_lookup
from madoguchi.procedures.steps import error_links, step_fields, step_neighbours
from madoguchi.procedures.validation import display_rows, get_step, parse_step_form
from madoguchi.review.constants import IdentityCheck


def _counter_staff(request):
    if not selectors.counter_organization_ids(request.user):
        raise Http404


@staff_required
def home(request):
    _counter_staff(request)
    errors: dict = {}
    if request.method == "POST":
        try:
            visit = services.visit_start(
                staff=request.user,
                procedure_id=request.POST.get("procedure"),
                visitor_name=request.POST.get("visitor_name", ""),
                visitor_email=request.POST.get("visitor_email", ""),
                identity_method=request.POST.get("identity_method", ""),
                identity_note=request.POST.get("identity_note", ""),
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        else:
            steps = selectors.visit_steps(visit.draft)
            if not steps:  # every page skipped: straight to the list of answers
                return redirect("counter:review", visit.pk)
            return redirect("counter:step", visit.pk, steps[0].key)
    return render(
        request,
        "counter/home.html",
        {
            "procedures": selectors.counter_procedures(user=request.user),
            "visits": selectors.recent_visits(user=request.user),
            "identity_choices": IdentityCheck.choices,
            "errors": errors,
            # a link from a reservation's check-in fills the visitor in (?visitor_name=&visitor_email=)
            "posted": request.POST if request.method == "POST" else request.GET,
            "nav": "counter",
        },
        status=422 if errors else 200,
    )


@staff_required
def step(request, visit_id, step_key):
    visit = selectors.access_visit(user=request.user, visit_id=visit_id)
    if visit.status == VisitStatus.SUBMITTED:
        return redirect("counter:receipt", visit.pk)
    if visit.draft is None:
        raise Http404
    definition = visit.draft.version.definition
    try:
        current = get_step(definition, step_key)
    except KeyError:
        raise Http404 from None
    steps = selectors.visit_steps(visit.draft)
    if step_key not in {s.key for s in steps}:  # skipped by the answers so far
        return redirect("counter:review", visit.pk)
    errors: dict = {}
    if request.method == "POST":
        raw = parse_step_form(definition, step_key, request.POST, request.FILES)
        # 「郵便番号から住所を入力」 and a group's 行を追加/削除 buttons: save and show the step again.
        looked_up = bool(lookup_button(request.POST))
        lookup_errors: dict = {}
        if looked_up:
            raw, lookup_errors = run_lookup(definition, step_key, request.POST, raw)
        try:
            services.visit_save_step(staff=request.user, visit_id=visit.pk, step_key=step_key, raw=raw)
        except FieldErrors as exc:
            errors = lookup_errors if looked_up else exc.as_dict()
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("counter:home")
        else:
            errors = lookup_errors
        visit = selectors.access_visit(user=request.user, visit_id=visit_id)
        steps = selectors.visit_steps(visit.draft)  # an answer may have added or skipped pages
        if not looked_up and not errors:
            _previous, following = step_neighbours(steps, step_key)
            if following is not None:
                return redirect("counter:step", visit.pk, following.key)
            return redirect("counter:review", visit.pk)
    return render(
        request,
        "counter/step.html",
        {
            "visit": visit,
            "step": current,
            "steps": steps,
            "fields": step_fields(current, visit.draft.data),
            "errors": errors,
            "error_list": error_links(current, errors),
            "nav": "counter",
        },
        status=422 if errors else 200,
    )


@staff_required
def review(request, visit_id):
    visit = selectors.access_visit(user=request.user, visit_id=visit_id)
    if visit.status == VisitStatus.SUBMITTED:
        return redirect("counter:receipt", visit.pk)
    errors: dict = {}
    if request.method == "POST":
        try:
            services.visit_hand_over(staff=request.user, visit_id=visit.pk)
        except FieldErrors as exc:
            errors = exc.as_dict()
        else:
            return redirect("counter:confirm", visit.pk)
    rows = display_rows(visit.draft.version.definition, visit.draft.data) if visit.draft else []
    return render(
        request,
        "counter/review.html",
        {
            "visit": visit,
            "rows": rows,
            "errors": errors,
            "missing": selectors.visit_missing_steps(visit.draft) if visit.draft else [],
            "nav": "counter",
        },
        status=422 if errors else 200,
    )


@staff_required
def confirm(request, visit_id):
    """The tablet screen the visitor reads and approves (large text, no staff menu)."""
    visit = selectors.access_visit(user=request.user, visit_id=visit_id)
    if visit.status == VisitStatus.SUBMITTED:
        return redirect("counter:receipt", visit.pk)
    if visit.status != VisitStatus.CONFIRMING:
        return redirect("counter:review", visit.pk)
    error_message = ""
    if request.method == "POST":
        try:
            services.visit_confirm(staff=request.user, visit_id=visit.pk)
        except (FieldErrors, DomainError) as exc:
            error_message = str(exc.message)
        else:
            return redirect("counter:receipt", visit.pk)
    rows = display_rows(visit.draft.version.definition, visit.draft.data)
    return render(
        request,
        "counter/confirm.html",
        {"visit": visit, "rows": rows, "error_message": error_message},
        status=422 if error_message else 200,
    )


@staff_required
def receipt(request, visit_id):
    visit = selectors.access_visit(user=request.user, visit_id=visit_id)
    if visit.application is None:
        return redirect("counter:review", visit.pk)
    rows = display_rows(visit.application.version.definition, visit.application.data)
    return render(
        request,
        "counter/receipt.html",
        {"visit": visit, "application": visit.application, "rows": rows, "nav": "counter"},
    )


@staff_required
@require_POST
def cancel(request, visit_id):
    try:
        services.visit_cancel(staff=request.user, visit_id=visit_id)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("受付を中止しました。"))
    return redirect("counter:home")


# ---------------------------------------------------------------------------- QR hand-over


@staff_required
def handoff_lookup(request):
    """Type the code the visitor shows (ABCD-2345); a scanned QR code opens ``handoff`` directly."""
    _counter_staff(request)
    code = request.GET.get("code", "")
    errors: dict = {}
    status = 200
    if "code" in request.GET:
        if not codes.looks_valid(code):
            errors = {
                "code": [
                    _("コードは8文字です（例: ABCD-2345）。来庁者の画面の文字をそのまま入力してください。")
                ]
            }
            status = 422
        else:
            try:
                selectors.access_handoff(user=request.user, code=code)
            except Http404:
                errors = {"code": [_("このコードは見つかりません。入力に間違いがないか確認してください。")]}
                status = 404
            else:
                return redirect("counter:handoff", codes.normalize(code))
    return render(
        request,
        "counter/handoff_lookup.html",
        {"errors": errors, "code": code, "nav": "counter"},
        status=status,
    )


@staff_required
def handoff_take(request, code):
    """The visitor's draft behind a code: record the identity check and open a counter visit."""
    handoff = selectors.access_handoff(user=request.user, code=code)  # 404: unknown or not ours
    errors: dict = {}
    error_message = ""
    status = 200
    if request.method == "POST":
        try:
            visit = services.handoff_redeem(
                staff=request.user,
                code=code,
                visitor_name=request.POST.get("visitor_name", ""),
                identity_method=request.POST.get("identity_method", ""),
                identity_note=request.POST.get("identity_note", ""),
            )
        except FieldErrors as exc:
            errors, status = exc.as_dict(), 422
        except DomainError as exc:
            error_message, status = str(exc.message), exc.status
        else:
            messages.success(request, _("来庁者の下書きを読み込みました。内容を確認してください。"))
            return redirect("counter:review", visit.pk)
        handoff = selectors.access_handoff(user=request.user, code=code)
    try:
        services.handoff_check_usable(handoff)
    except DomainError as exc:  # used or expired: say so, and show none of the visitor's data
        error_message, status, usable = str(exc.message), exc.status, False
    else:
        usable = True
    draft = handoff.draft
    posted = request.POST if request.method == "POST" else {"visitor_name": draft.applicant.display_name}
    return render(
        request,
        "counter/handoff_take.html",
        {
            "handoff": handoff,
            "code": codes.display(code),
            "draft": draft,
            "procedure": draft.version.procedure,
            "usable": usable,
            "rows": display_rows(draft.version.definition, draft.data) if usable else [],
            "identity_choices": IdentityCheck.choices,
            "errors": errors,
            "error_message": error_message,
            "posted": posted,
            "nav": "counter",
        },
        status=status,
    )
