"""Staff pages: the day's bookings per resource, check-in by QR or typed code, no-shows,
slot blocks, closures and the lottery draw. Each action is one service call."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import DomainError
from madoguchi.reservations import selectors, services


def _day_url(resource_id: int, day: dt.date) -> str:
    return reverse("reservations:staff_day", args=[resource_id]) + f"?date={day.isoformat()}"


@staff_required
def staff_home(request):
    return render(
        request,
        "reservations/staff/home.html",
        {"resources": selectors.staff_resource_list(user=request.user), "today": timezone.localdate()},
    )


@staff_required
def staff_day(request, resource_id: int):
    resource = selectors.access_staff_resource(user=request.user, resource_id=resource_id)
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
        date_error = ""
    except ValueError:
        date_error = _("日付は 2026-04-01 の形で入力してください。") if request.GET.get("date") else ""
        day = timezone.localdate()
    rows = selectors.staff_day(resource=resource, day=day)
    return render(
        request,
        "reservations/staff/day.html",
        {
            "resource": resource,
            "day": day,
            "date_error": date_error,
            "rows": rows,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "lotteries": selectors.lottery_open_list(resource=resource),
            "now": timezone.now(),
            "today": timezone.localdate(),
            "is_today": day == timezone.localdate(),
        },
    )


@staff_required
def staff_checkin(request):
    """Type a code (or arrive here by scanning the QR code with any camera) and confirm."""
    code = services.normalize_code(request.GET.get("code", ""))
    booking = selectors.staff_find_booking_by_code(user=request.user, code=code) if code else None
    problem = ""
    if code and booking is None:
        problem = _("受付コード %(code)s の予約は見つかりません。コードをご確認ください。") % {"code": code}
    return render(
        request,
        "reservations/staff/checkin.html",
        {
            "code": request.GET.get("code", ""),
            "booking": booking,
            "info_rows": selectors.booking_info_rows(booking) if booking else [],
            "refusal": selectors.check_in_problem(booking, timezone.now()) if booking else None,
            "problem": problem,
        },
        status=404 if problem else 200,
    )


@staff_required
@require_POST
def staff_booking_action(request, booking_id, action: str):
    booking = selectors.access_staff_booking(user=request.user, booking_id=booking_id)
    actions = {
        "check-in": (services.booking_check_in, _("受付しました。")),
        "no-show": (services.booking_mark_no_show, _("来場なしにしました。")),
        "cancel": (services.booking_cancel, _("予約を取り消しました。")),
    }
    if action not in actions:
        return redirect(_day_url(booking.resource_id, timezone.localtime(booking.slot.starts_at).date()))
    service, done = actions[action]
    try:
        service(booking=booking, actor=request.user)
    except DomainError as exc:
        messages.error(request, f"{booking.code_display}: {exc.message}")
    else:
        messages.success(request, f"{booking.code_display}: {done}")
    next_url = request.POST.get("next", "")
    if next_url.startswith("/reservations/staff/"):
        return redirect(next_url)
    return redirect(_day_url(booking.resource_id, timezone.localtime(booking.slot.starts_at).date()))


@staff_required
@require_POST
def staff_slot_block(request, slot_id: int):
    slot = selectors.access_staff_slot(user=request.user, slot_id=slot_id)
    if request.POST.get("unblock"):
        services.slot_unblock(slot=slot, actor=request.user)
        messages.success(request, _("受付を再開しました。"))
    else:
        services.slot_block(slot=slot, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("この枠の受付を停止しました。"))
    return redirect(_day_url(slot.resource_id, timezone.localtime(slot.starts_at).date()))


@staff_required
@require_POST
def staff_closure_add(request, resource_id: int):
    resource = selectors.access_staff_resource(user=request.user, resource_id=resource_id)
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("休業日は 2026-04-01 の形で入力してください。"))
        return redirect(_day_url(resource.pk, timezone.localdate()))
    try:
        _closure, affected = services.closure_add(
            resource=resource, date=day, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(day)s を休業日にしました。影響する予約は %(n)s 件です。ご連絡をお願いします。")
            % {"day": day.isoformat(), "n": affected},
        )
    return redirect(_day_url(resource.pk, day))


@staff_required
def staff_lottery(request, lottery_id: int):
    lottery = selectors.access_staff_lottery(user=request.user, lottery_id=lottery_id)
    if request.method == "POST":
        try:
            services.lottery_draw(lottery_obj=lottery, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("抽選しました。当選者と落選者にメールでお知らせしました。"))
        return redirect("reservations:staff_lottery", lottery.pk)
    return render(
        request,
        "reservations/staff/lottery.html",
        {
            "lottery": lottery,
            "entries": selectors.lottery_entries_for_staff(lottery),
            "summary": selectors.lottery_summary(lottery),
            "now": timezone.now(),
        },
    )
