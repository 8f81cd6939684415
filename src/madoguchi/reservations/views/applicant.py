"""Applicant pages: book, see, change, cancel, confirm; .ics and QR; lottery entries.

Everything works without JavaScript on a phone; forms keep what was typed on errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.sessions import is_staff_session
from madoguchi.core.csrf_token import form_token
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.menus import APPLICANT, same_for_everyone_signed_in
from madoguchi.core.responses import form_status
from madoguchi.core.uuid_urls import reverse_with_uuid
from madoguchi.reservations import forms, ics, qr, selectors, services
from madoguchi.reservations.views.gate import OUTCOME_HEADER, full_page, render_shared, waiting_room_gate

PARTY_ANCHORS = {
    "party_size": "id_party_size",
    "first_choice": "id_first_choice",
    "second_choice": "id_second_choice",
}


def _login_redirect(request):
    return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")


@waiting_room_gate
def booking_new(request, organization_slug: str, resource_slug: str, slot_id: int):
    if not request.user.is_authenticated:
        return _login_redirect(request)
    slot = selectors.access_public_slot(
        organization_slug=organization_slug, resource_slug=resource_slug, slot_id=slot_id
    )
    resource = slot.resource
    errors: dict[str, list[str]] = {}
    problem = ""
    status = 200
    party_size = request.POST.get("party_size", "1")
    key = request.POST.get("idempotency_key") or forms.new_idempotency_key()
    if request.method != "POST":
        values: dict = forms.info_initial(resource, request.user)
    else:
        values = forms.read_info(resource, request.POST)
        try:
            booking = services.booking_create(
                user=request.user,
                slot_id=slot.pk,
                slot=slot,
                party_size=party_size,
                data=values,
                idempotency_key=key,
            )
        except FieldErrors as exc:
            errors, status = exc.as_dict(), form_status(request, True)
        except DomainError as exc:
            if exc.code == "full":
                detail = reverse("reservations:resource_detail", args=[organization_slug, resource_slug])
                return full_page(request, resource_name=resource.name, detail_url=detail, status=409)
            problem, status = str(exc.message), exc.status
        else:
            messages.success(request, _("予約が完了しました。確認メールもお送りしました。"))
            # redirect("reservations:booking_detail", booking.pk), its URL reversed once per process
            response = HttpResponseRedirect(reverse_with_uuid("reservations:booking_detail", booking.pk))
            response[OUTCOME_HEADER] = "booked"
            return response
    state, state_message = selectors.slot_state(slot, timezone.now())
    context = {
        "resource": resource,
        "slot": slot,
        "state": state,
        "state_message": state_message,
        "problem": problem,
        "errors": errors,
        "summary": forms.error_summary(errors, PARTY_ANCHORS),
        "rows": forms.info_rows(resource, values, errors),
        "party_size": party_size,
        "party_range": range(1, resource.max_party_size + 1),
        "idempotency_key": key,
    }
    if request.method == "GET" and state == "open" and _form_is_shared(request, values):
        return _shared_booking_form(request, context)
    return render(request, "reservations/booking_form.html", context, status=status)


# The booking form as a person first sees it is the same for every signed-in applicant but for
# the CSRF token, a fresh idempotency key and the places left: in an opening rush each of the
# people let in asks for it at once, and drawing the template was most of the page's CPU
# (docs/performance.md, "Issue 19, sixth session"). It is drawn once per process, slot version,
# language and address (views/gate.render_shared) with marks that the three values replace. Any
# other case — a value filled in from the account, a message to show, a staff session, an error,
# a slot not open — is drawn as before.
_CSRF_MARK = "csrfmarkq7Zx9VvKp2Lw"
_KEY_MARK = "keymarkR4tY8nMc3Jd"
_LEFT_MARK = 987654319


def _form_is_shared(request, values: dict) -> bool:
    if any(value not in (None, "", [], {}) for value in values.values()):
        return False  # filled in from this person's account
    if is_staff_session(request) or not same_for_everyone_signed_in(APPLICANT):
        return False  # another menu and sign-out, or a menu entry that asks who reads it
    return not list(messages.get_messages(request))  # shown once, on this page


def _shared_booking_form(request, context: dict):
    """``context`` (the page as drawn for this person) drawn once with marks for the three."""
    slot, resource = context["slot"], context["resource"]
    shared_key = (
        "booking_form",
        slot.pk,
        slot.starts_at.isoformat(),
        slot.ends_at.isoformat(),
        slot.capacity,
        resource.pk,
        resource.name,
        resource.location or "",
        resource.max_party_size,
        repr(resource.required_fields or []),
        resource.organization.slug,
        resource.slug,
    )
    marked = {
        **context,
        "slot": _SlotWithLeft(slot),
        "idempotency_key": _KEY_MARK,
        "csrf_token": _CSRF_MARK,
        "messages": [],
        "shared_key": (repr(shared_key),),
    }
    numbers = {
        _CSRF_MARK: form_token(request),  # get_token's, with one os.urandom per string
        _KEY_MARK: context["idempotency_key"],
        _LEFT_MARK: slot.remaining,
    }
    return render_shared(
        request,
        "reservations/booking_form.html",
        marked,
        numbers=numbers,
        status=200,
        fallback=lambda: render(request, "reservations/booking_form.html", context),
    )


class _SlotWithLeft:
    """The slot as the shared form draws it: its places left are a mark."""

    def __init__(self, slot):
        self._slot = slot

    remaining = _LEFT_MARK

    def __getattr__(self, name):
        return getattr(self._slot, name)


@login_required
def mine(request):
    entries = list(selectors.entry_list(user=request.user))
    for entry in entries:
        entry.current_waitlist_position = selectors.entry_waitlist_position(entry)
    return render(
        request,
        "reservations/mine.html",
        {
            "upcoming": selectors.upcoming_bookings(user=request.user),
            "past": selectors.past_bookings(user=request.user)[:30],
            "entries": entries,
        },
    )


@login_required
def booking_detail(request, booking_id):
    booking = selectors.access_booking(user=request.user, booking_id=booking_id)
    return render(
        request,
        "reservations/booking_detail.html",
        {
            "booking": booking,
            "can_change": booking.status == "confirmed" and booking.slot.starts_at > timezone.now(),
        },
    )


@login_required
def booking_ics(request, booking_id):
    booking = selectors.access_booking(user=request.user, booking_id=booking_id)
    response = HttpResponse(ics.booking_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.code}.ics"'
    return response


@login_required
def booking_qr(request, booking_id):
    booking = selectors.access_booking(user=request.user, booking_id=booking_id)
    response = HttpResponse(qr.booking_qr_svg(booking), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def booking_cancel(request, booking_id):
    booking = selectors.access_booking(user=request.user, booking_id=booking_id)
    problem = ""
    if request.method == "POST":
        try:
            services.booking_cancel(booking=booking, actor=request.user)
        except DomainError as exc:
            problem = str(exc.message)
        else:
            messages.success(request, _("予約を取り消しました。"))
            return redirect("reservations:booking_detail", booking.pk)
    return render(request, "reservations/booking_cancel.html", {"booking": booking, "problem": problem})


@login_required
def booking_change(request, booking_id):
    booking = selectors.access_booking(user=request.user, booking_id=booking_id)
    problem = ""
    chosen = request.POST.get("slot", "")
    if request.method == "POST":
        if not chosen:
            problem = _("変更先の日時を選んでください。")
        else:
            try:
                services.booking_change(booking=booking, new_slot_id=chosen, actor=request.user)
            except DomainError as exc:
                problem = str(exc.message)
            else:
                messages.success(request, _("予約の日時を変更しました。"))
                return redirect("reservations:booking_detail", booking.pk)
    return render(
        request,
        "reservations/booking_change.html",
        {
            "booking": booking,
            "options": selectors.change_options(booking=booking),
            "problem": problem,
            "chosen": chosen,
        },
        status=409 if problem and request.method == "POST" and chosen else 200,
    )


@login_required
@require_POST
def booking_confirm(request, booking_id):
    booking = selectors.access_booking(user=request.user, booking_id=booking_id)
    try:
        services.booking_confirm(booking=booking, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("予約を確定しました。"))
    return redirect("reservations:booking_detail", booking.pk)


@login_required
def lottery_enter(request, lottery_id: int):
    lottery = selectors.access_lottery(lottery_id=lottery_id)
    resource = lottery.resource
    errors: dict[str, list[str]] = {}
    problem = ""
    values: dict = forms.info_initial(resource, request.user)
    post = request.POST
    if request.method == "POST":
        values = forms.read_info(resource, post)
        try:
            entry = services.lottery_enter(
                lottery_obj=lottery,
                user=request.user,
                first_choice_id=post.get("first_choice"),
                second_choice_id=post.get("second_choice") or None,
                party_size=post.get("party_size", "1"),
                data=values,
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError as exc:
            problem = str(exc.message)
        else:
            messages.success(
                request,
                _("抽選に申し込みました（申込番号 %(id)s）。結果はメールでお知らせします。")
                % {"id": entry.pk},
            )
            return redirect("reservations:mine")
    return render(
        request,
        "reservations/lottery_enter.html",
        {
            "lottery": lottery,
            "resource": resource,
            "slots": selectors.lottery_slots(lottery),
            "errors": errors,
            "summary": forms.error_summary(errors, PARTY_ANCHORS),
            "rows": forms.info_rows(resource, values, errors),
            "problem": problem,
            "first_choice": post.get("first_choice", ""),
            "second_choice": post.get("second_choice", ""),
            "party_size": post.get("party_size", "1"),
            "party_range": range(1, resource.max_party_size + 1),
        },
        status=409 if problem else form_status(request, errors),
    )


@login_required
@require_POST
def entry_withdraw(request, entry_id: int):
    entry = selectors.access_entry(user=request.user, entry_id=entry_id)
    try:
        services.lottery_entry_withdraw(entry=entry, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("抽選の申込を取り下げました。"))
    return redirect("reservations:mine")
