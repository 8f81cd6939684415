"""JSON API for reservations. The same services as the HTML pages; errors as per-field 422,
conflicts (full, window, limits) as 409, other people's bookings as 404.

Booking attempts pass the same waiting room as the HTML pages: while queued the API answers
429 with ``queue_position`` and ``retry_after`` (and a Retry-After header); a client address
over its ceiling of waiting tickets gets 429 with code ``waiting_room_limited``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from madoguchi.accounts.apiauth import require_user
from madoguchi.reservations import selectors, services, waiting_room
from madoguchi.reservations.models import Slot
from madoguchi.reservations.views.gate import gate_scope

router = Router(tags=["reservations"])


class ResourceOut(Schema):
    id: int
    organization: str
    slug: str
    name: str
    kind: str
    allocation: str
    location: str
    max_party_size: int
    per_person_limit: int
    required_fields: list[dict[str, Any]]


class SlotOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    remaining: int
    state: str


class BookingIn(Schema):
    slot_id: int
    party_size: int = 1
    data: dict[str, Any] = {}
    idempotency_key: str = ""


class BookingOut(Schema):
    id: str
    resource: str
    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    party_size: int
    code: str
    expires_at: dt.datetime | None = None


class ChangeIn(Schema):
    slot_id: int


class EntryIn(Schema):
    first_choice: int
    second_choice: int | None = None
    party_size: int = 1
    data: dict[str, Any] = {}


class EntryOut(Schema):
    id: int
    lottery: int
    status: str
    first_choice: int
    second_choice: int | None
    party_size: int


class CheckInIn(Schema):
    code: str


def _resource_out(r) -> dict[str, Any]:
    return {
        "id": r.pk,
        "organization": r.organization.slug,
        "slug": r.slug,
        "name": r.name,
        "kind": r.kind,
        "allocation": r.allocation,
        "location": r.location,
        "max_party_size": r.max_party_size,
        "per_person_limit": r.per_person_limit,
        "required_fields": r.required_fields or [],
    }


def _booking_out(b) -> dict[str, Any]:
    return {
        "id": str(b.pk),
        "resource": b.resource.name,
        "slot_id": b.slot_id,
        "starts_at": b.slot.starts_at,
        "ends_at": b.slot.ends_at,
        "status": b.status,
        "party_size": b.party_size,
        "code": b.code,
        "expires_at": b.expires_at,
    }


def _entry_out(e) -> dict[str, Any]:
    return {
        "id": e.pk,
        "lottery": e.lottery_id,
        "status": e.status,
        "first_choice": e.first_choice_id,
        "second_choice": e.second_choice_id,
        "party_size": e.party_size,
    }


@router.get("/reservations/resources", response=list[ResourceOut], url_name="reservations_resources")
def resources(request):
    return [_resource_out(r) for r in selectors.resource_list()]


@router.get(
    "/reservations/resources/{resource_id}/slots", response=list[SlotOut], url_name="reservations_slots"
)
def slots(request, resource_id: int):
    resource = selectors.resource_list().filter(pk=resource_id).first()
    if resource is None:
        raise Http404
    now = timezone.now()
    return [
        {
            "id": item["slot"].pk,
            "starts_at": item["slot"].starts_at,
            "ends_at": item["slot"].ends_at,
            "capacity": item["slot"].capacity,
            "remaining": item["slot"].remaining,
            "state": item["state"],
        }
        for day in selectors.resource_calendar(resource=resource, now=now)
        for item in day["slots"]
    ]


@router.post(
    "/reservations/bookings",
    response={201: BookingOut, 429: dict},
    url_name="reservations_booking_create",
)
def booking_create(request, payload: BookingIn):
    user = require_user(request)
    slot = Slot.objects.select_related("resource__organization").filter(pk=payload.slot_id).first()
    if slot is None:
        raise Http404
    scope = gate_scope(slot.resource.organization.slug, slot.resource.slug)
    admission = waiting_room.check_request(
        request, scope, client=f"user:{user.pk}", places=selectors.places_left(slot), slot=str(slot.pk)
    )
    if not admission.admitted:
        return _waiting_room_refusal(admission)
    started = time.perf_counter()
    try:
        booking = services.booking_create(
            user=user,
            slot_id=payload.slot_id,
            party_size=payload.party_size,
            data=payload.data,
            idempotency_key=payload.idempotency_key,
        )
    finally:  # full or booked alike: how long the slot made people wait (adaptive rate), and
        # the end of an admission for this request (the API keeps no pass before a booking)
        waiting_room.settle(
            scope, str(slot.pk), seconds=time.perf_counter() - started, ended=admission.ticket != -1
        )
    response = JsonResponse(BookingOut(**_booking_out(booking)).model_dump(mode="json"), status=201)
    waiting_room.apply_cookies(response, scope, admission)
    return response


def _waiting_room_refusal(admission: waiting_room.Admission) -> JsonResponse:
    """429 while queued (with the place in the queue) or refused a place (too many from the address).

    The ticket belongs to the signed-in user, so the API sets no client cookie."""
    if admission.limited:
        error = {
            "code": "waiting_room_limited",
            "message": _(
                "お使いの接続元から、すでに多くの方が順番待ちをしています。時間をおいて再度お試しください。"
            ),
            "retry_after": admission.retry_after,
        }
    else:
        error = {
            "code": "waiting_room",
            "message": _(
                "ただいまアクセスが集中しています。順番にご案内しますので、時間をおいて再度お試しください。"
            ),
            "queue_position": admission.position,
            "retry_after": admission.retry_after,
        }
    response = JsonResponse({"error": error}, status=429, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(admission.retry_after)
    return response


@router.get("/reservations/bookings", response=list[BookingOut], url_name="reservations_bookings")
def bookings(request):
    user = require_user(request)
    return [_booking_out(b) for b in selectors.booking_list(user=user)]


@router.get("/reservations/bookings/{booking_id}", response=BookingOut, url_name="reservations_booking")
def booking_detail(request, booking_id: str):
    user = require_user(request)
    return _booking_out(selectors.access_booking(user=user, booking_id=booking_id))


@router.post(
    "/reservations/bookings/{booking_id}/cancel", response=BookingOut, url_name="reservations_booking_cancel"
)
def booking_cancel(request, booking_id: str):
    user = require_user(request)
    booking = selectors.access_booking(user=user, booking_id=booking_id)
    return _booking_out(services.booking_cancel(booking=booking, actor=user))


@router.post(
    "/reservations/bookings/{booking_id}/change", response=BookingOut, url_name="reservations_booking_change"
)
def booking_change(request, booking_id: str, payload: ChangeIn):
    user = require_user(request)
    booking = selectors.access_booking(user=user, booking_id=booking_id)
    return _booking_out(services.booking_change(booking=booking, new_slot_id=payload.slot_id, actor=user))


@router.post(
    "/reservations/bookings/{booking_id}/confirm",
    response=BookingOut,
    url_name="reservations_booking_confirm",
)
def booking_confirm(request, booking_id: str):
    user = require_user(request)
    booking = selectors.access_booking(user=user, booking_id=booking_id)
    return _booking_out(services.booking_confirm(booking=booking, actor=user))


@router.post(
    "/reservations/lotteries/{lottery_id}/entries",
    response={201: EntryOut},
    url_name="reservations_lottery_enter",
)
def lottery_enter(request, lottery_id: int, payload: EntryIn):
    user = require_user(request)
    lottery = selectors.access_lottery(lottery_id=lottery_id)
    entry = services.lottery_enter(
        lottery_obj=lottery,
        user=user,
        first_choice_id=payload.first_choice,
        second_choice_id=payload.second_choice,
        party_size=payload.party_size,
        data=payload.data,
    )
    return 201, _entry_out(entry)


@router.post("/reservations/checkin", response=BookingOut, url_name="reservations_checkin")
def checkin(request, payload: CheckInIn):
    user = require_user(request)
    booking = selectors.staff_find_booking_by_code(user=user, code=services.normalize_code(payload.code))
    if booking is None:
        raise Http404
    return _booking_out(services.booking_check_in(booking=booking, actor=user))
