"""Reads shaped for screens. ``access_*`` fetches and checks permission (404 when not yours)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Membership, User
from madoguchi.core.errors import PermissionDeniedError
from madoguchi.reservations import rules
from madoguchi.reservations.constants import ACTIVE, STAFF_ROLES, AllocationMode, BookingStatus, EntryStatus
from madoguchi.reservations.models import Booking, Lottery, LotteryEntry, Resource, Slot

FULL_FLAG_TTL = 60


def full_flag_key(slot_id: int) -> str:
    return f"resv:full:{slot_id}"


def slot_known_full(slot_id: int) -> bool:
    """A cheap, cache-only hint that a slot is full (set when its last place is taken). The
    booking pages' gate reads it with the admission (``waiting_room.SlotHints``)."""
    return bool(cache.get(full_flag_key(slot_id)))


# How many places a slot had left a moment ago: the waiting room lets that many people in at
# once (docs/reservations.md, "Waiting room"). Kept fresh by every change of the booked count
# (services.common) and by the booking page; read from the database at most once per
# PLACES_HINT_TTL seconds otherwise. -1 in the cache: no such slot.
PLACES_HINT_TTL = 10


def places_hint_key(slot_id: int) -> str:
    return f"resv:left:{slot_id}"


def places_left(slot: Slot) -> int:
    return 0 if slot.is_blocked else slot.remaining


def slot_places_hint(slot_id: int) -> int | None:
    """The slot's places left a moment ago (None: no such slot). Cache first; on a miss one
    small read, remembered for ``PLACES_HINT_TTL`` seconds (``slot_places_read``)."""
    value = cache.get(places_hint_key(slot_id))
    if value is None:
        return slot_places_read(slot_id)
    return None if value < 0 else int(value)


def slot_places_read(slot_id: int) -> int | None:
    """The slot's places left from the database (None: no such slot), remembered in the cache
    for ``PLACES_HINT_TTL`` seconds. The waiting room reads the cache itself, with the
    admission, and calls this when the cache has forgotten (``waiting_room.SlotHints``)."""
    row = Slot.objects.filter(pk=slot_id).values_list("capacity", "booked_count", "is_blocked").first()
    value = -1 if row is None else (0 if row[2] else max(0, row[0] - row[1]))
    cache.set(places_hint_key(slot_id), value, PLACES_HINT_TTL)
    return None if value < 0 else value


def remember_places_left(slot: Slot) -> None:
    """Tell the waiting room how many places ``slot`` has left now (after a read or a commit)."""
    cache.set(places_hint_key(slot.pk), places_left(slot), PLACES_HINT_TTL)


def slot_hint_writes(slot: Slot) -> list[tuple[str, int, int]]:
    """The cache writes (key, value, timeout) that tell the waiting room what ``slot`` has after
    a booking took places: its places left, and the full flag when none are left."""
    writes = [(places_hint_key(slot.pk), places_left(slot), PLACES_HINT_TTL)]
    if slot.booked_count >= slot.capacity:
        writes.append((full_flag_key(slot.pk), 1, FULL_FLAG_TTL))
    return writes


# --------------------------------------------------------------------------- public


def resource_list() -> QuerySet[Resource]:
    return Resource.objects.filter(is_public=True).select_related("organization", "department")


def resources_for_procedure(*, procedure: Any) -> QuerySet[Resource]:
    """Public resources linked to a procedure (its 説明会, lodging calendar, counter)."""
    return resource_list().filter(procedures=procedure).order_by("kind", "name")


def access_resource(*, organization_slug: str, resource_slug: str) -> Resource:
    try:
        return Resource.objects.select_related("organization", "department").get(
            organization__slug=organization_slug, slug=resource_slug, is_public=True
        )
    except Resource.DoesNotExist:
        raise Http404 from None


SLOT_PAGE_RELATED = ("resource__organization", "resource__department", "lottery")


def access_public_slot(*, organization_slug: str, resource_slug: str, slot_id: Any) -> Slot:
    """The slot of a public resource with its resource (organization, department) and lottery,
    in one statement: ``Slot.objects.select_related(*SLOT_PAGE_RELATED).get(pk=slot_id,
    resource__slug=…, resource__organization__slug=…, resource__is_public=True)``, written out
    once per process (``core/hotpath.py``, decision 0029): the booking page of an opening rush
    reads it on every GET and POST, and the ORM's build of this four-table join was a quarter
    of the page's CPU (docs/performance.md, "opening rush")."""
    from madoguchi.core import hotpath

    connection = hotpath.own()  # once: django.db.connection looks it up again on every read
    try:
        pk = int(slot_id)
    except (TypeError, ValueError):
        raise Http404 from None
    low, high = connection.ops.integer_field_range(Slot._meta.pk.get_internal_type())
    if (low is not None and pk < low) or (high is not None and pk > high):
        raise Http404
    slots = hotpath.related_columns(Slot, SLOT_PAGE_RELATED, connection)
    sql = (
        f"{slots.sql} WHERE {slots.column('', 'id')} = %s AND {slots.column('resource', 'slug')} = %s "
        f"AND {slots.column('resource__organization', 'slug')} = %s "
        f"AND {slots.column('resource', 'is_public')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, resource_slug, organization_slug, True])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    slot = slots.instance(row, connection)
    assert isinstance(slot, Slot)
    return slot


def lottery_state(slot: Slot) -> tuple[str, str] | None:
    """Why a slot is not booked first-come because of a lottery, or None when it is not.

    ``lottery``: the slot belongs to a lottery (apply there). ``lottery_only``: the resource
    gives every night by lottery and no lottery has been opened for this one yet. The same
    answer decides the calendar and the booking service, so the calendar never offers a slot
    the service then refuses.
    """
    lottery = slot.lottery if slot.lottery_id else None
    if lottery is not None:
        return "lottery", str(
            _(
                "この日は抽選で受け付けています（「%(title)s」、申込は %(until)s まで）。抽選の申込ページからお申し込みください。"
            )
            % {
                "title": lottery.title,
                "until": timezone.localtime(lottery.entries_close_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    if slot.resource.allocation == AllocationMode.LOTTERY:
        return "lottery_only", str(
            _(
                "この施設は抽選でのみ受け付けています。この日の抽選の募集はまだ始まっていません。募集の開始はこのページでお知らせします。"
            )
        )
    return None


def slot_state(slot: Slot, now: dt.datetime) -> tuple[str, str]:
    """(state, message) of a slot for first-come booking:
    open / full / blocked / lottery / lottery_only / not_yet / closed."""
    if slot.is_blocked:
        return "blocked", str(slot.block_reason or "")
    by_lottery = lottery_state(slot)
    if by_lottery is not None:
        return by_lottery
    window = rules.booking_window(slot.resource, slot.starts_at)
    state = window.state(now)
    if state != "open":
        return state, str(rules.window_message(state, window))
    if slot.remaining <= 0:
        return "full", ""
    return "open", ""


def resource_calendar(
    *, resource: Resource, now: dt.datetime | None = None, days: int = 60, start: dt.date | None = None
) -> list[dict[str, Any]]:
    """Upcoming slots grouped by local date, each with its state, for the public resource page.

    ``start`` (a local date) and ``days`` choose the period; never earlier than ``now``.
    """
    now = now or timezone.now()
    begin = now
    if start is not None:
        begin = max(now, dt.datetime.combine(start, dt.time.min, tzinfo=rules.local_tz()))
    end = dt.datetime.combine(
        timezone.localtime(begin).date() + dt.timedelta(days=days), dt.time.min, tzinfo=rules.local_tz()
    )
    slots = (
        Slot.objects.filter(resource=resource, starts_at__gte=begin, starts_at__lt=end)
        .select_related("resource", "lottery")
        .order_by("starts_at")
    )
    grouped: OrderedDict[dt.date, list[dict[str, Any]]] = OrderedDict()
    for slot in slots:
        state, message = slot_state(slot, now)
        day = timezone.localtime(slot.starts_at).date()
        grouped.setdefault(day, []).append(
            {
                "slot": slot,
                "state": state,
                "message": message,
                "opens_at": rules.booking_window(resource, slot.starts_at).opens_at,
            }
        )
    return [{"date": day, "slots": items} for day, items in grouped.items()]


def lottery_open_list(*, resource: Resource) -> QuerySet[Lottery]:
    return Lottery.objects.filter(resource=resource).order_by("-entries_open_at")


def access_lottery(*, lottery_id: int) -> Lottery:
    try:
        return Lottery.objects.select_related("resource__organization").get(
            pk=lottery_id, resource__is_public=True
        )
    except Lottery.DoesNotExist:
        raise Http404 from None


def lottery_slots(lottery: Lottery) -> QuerySet[Slot]:
    return lottery.slots.order_by("starts_at")


def lottery_summary(lottery: Lottery) -> dict[str, Any]:
    """Public figures of a lottery: entries and winners per slot (no personal data)."""
    rows = []
    record = lottery.draw_record or {}
    allocations = record.get("allocations", {})
    for slot in lottery_slots(lottery):
        rows.append(
            {
                "slot": slot,
                "first_choices": lottery.entries.filter(first_choice=slot)
                .exclude(status=EntryStatus.WITHDRAWN)
                .count(),
                "winners": sum(1 for s in allocations.values() if s == slot.pk),
            }
        )
    return {
        "rows": rows,
        "entries": lottery.entries.exclude(status=EntryStatus.WITHDRAWN).count(),
        "winners": len(allocations),
        "waitlist": len(record.get("waitlist", [])),
    }


# --------------------------------------------------------------------------- applicants


def booking_info_rows(booking: Booking) -> list[dict[str, str]]:
    """The required information of a booking as (label, display text), in the form's order."""
    from madoguchi.procedures.fields import get_field_type

    rows = []
    for spec in booking.resource.required_fields or []:
        key = spec.get("key")
        if key not in (booking.data or {}):
            continue
        try:
            text = get_field_type(spec["type"]).display(booking.data[key], spec)
        except KeyError:
            text = str(booking.data[key])
        rows.append({"label": spec.get("label", key), "value": text})
    return rows


def booking_list(*, user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(user=user)
        .select_related("resource__organization", "slot")
        .order_by("-slot__starts_at")
    )


def upcoming_bookings(*, user: User, now: dt.datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return (
        booking_list(user=user).filter(status__in=ACTIVE, slot__ends_at__gte=now).order_by("slot__starts_at")
    )


def past_bookings(*, user: User, now: dt.datetime | None = None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return booking_list(user=user).exclude(status__in=ACTIVE, slot__ends_at__gte=now)


def access_booking(*, user: User, booking_id: uuid.UUID | str) -> Booking:
    try:
        return Booking.objects.select_related("resource__organization", "slot", "user").get(
            pk=booking_id, user=user
        )
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:  # malformed UUID (django ValidationError)
        raise Http404 from exc


def entry_list(*, user: User) -> QuerySet[LotteryEntry]:
    return (
        LotteryEntry.objects.filter(user=user)
        .select_related("lottery__resource", "first_choice", "second_choice", "booking")
        .order_by("-created_at")
    )


def access_entry(*, user: User, entry_id: int) -> LotteryEntry:
    try:
        return LotteryEntry.objects.select_related("lottery__resource").get(pk=entry_id, user=user)
    except (LotteryEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def entry_waitlist_position(entry: LotteryEntry) -> int | None:
    """Current place on the waiting list (people ahead who are still waiting, plus one)."""
    if entry.status != EntryStatus.WAITLISTED or entry.priority is None:
        return None
    ahead = LotteryEntry.objects.filter(
        lottery_id=entry.lottery_id, status=EntryStatus.WAITLISTED, priority__lt=entry.priority
    ).count()
    return ahead + 1


def change_options(*, booking: Booking, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Other open slots of the same resource the booking can move to."""
    now = now or timezone.now()
    options = []
    for day in resource_calendar(resource=booking.resource, now=now):
        for item in day["slots"]:
            if (
                item["slot"].pk != booking.slot_id
                and item["state"] == "open"
                and item["slot"].remaining >= booking.places
            ):
                options.append(item)
    return options


# --------------------------------------------------------------------------- staff


def _staff_memberships(user: User) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user, role__in=STAFF_ROLES)


def staff_resource_filter(user: User) -> Q:
    query = Q(pk__in=[])
    for membership in _staff_memberships(user):
        part = Q(organization_id=membership.organization_id)
        if membership.department_id:
            part &= Q(department_id=membership.department_id) | Q(department__isnull=True)
        query |= part
    return query


def staff_resource_list(*, user: User) -> QuerySet[Resource]:
    return Resource.objects.filter(staff_resource_filter(user)).select_related("organization", "department")


def is_staff_for(user: User, resource: Resource) -> bool:
    return staff_resource_list(user=user).filter(pk=resource.pk).exists()


def check_staff(user: User, resource: Resource) -> None:
    if not is_staff_for(user, resource):
        raise PermissionDeniedError("この予約枠を扱う権限がありません。")


def access_staff_resource(*, user: User, resource_id: int) -> Resource:
    try:
        return staff_resource_list(user=user).get(pk=resource_id)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_staff_booking(*, user: User, booking_id: uuid.UUID | str) -> Booking:
    try:
        return Booking.objects.select_related("resource", "slot", "user", "application").get(
            resource__in=staff_resource_list(user=user), pk=booking_id
        )
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:  # malformed UUID
        raise Http404 from exc


def access_staff_slot(*, user: User, slot_id: int) -> Slot:
    try:
        return Slot.objects.select_related("resource").get(
            resource__in=staff_resource_list(user=user), pk=slot_id
        )
    except (Slot.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_staff_lottery(*, user: User, lottery_id: int) -> Lottery:
    try:
        return Lottery.objects.select_related("resource").get(
            resource__in=staff_resource_list(user=user), pk=lottery_id
        )
    except (Lottery.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def staff_day(*, resource: Resource, day: dt.date) -> list[dict[str, Any]]:
    """The day's slots of a resource with their bookings (cancelled ones last), for the counter."""
    tz = rules.local_tz()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    slots = Slot.objects.filter(
        resource=resource, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
    )
    bookings = (
        Booking.objects.filter(slot__in=slots)
        .select_related("user", "application")
        .order_by("slot__starts_at", "created_at")
    )
    by_slot: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_slot.setdefault(booking.slot_id, []).append(booking)
    rows = []
    for slot in slots.order_by("starts_at"):
        items = by_slot.get(slot.pk, [])
        items.sort(key=lambda b: b.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED))
        rows.append({"slot": slot, "bookings": items})
    return rows


def check_in_problem(booking: Booking, now: dt.datetime) -> tuple[str, str] | None:
    """Why this booking cannot be checked in now, and what the counter can do instead — or None.

    Shown on the check-in page before anyone presses a button, and raised by the service.
    """
    if booking.status == BookingStatus.CHECKED_IN:
        return "already_checked_in", str(
            _("この予約はすでに受付済みです（%(time)s）。")
            % {"time": timezone.localtime(booking.checked_in_at or now).strftime("%H:%M")}
        )
    if booking.status == BookingStatus.PENDING:
        return "not_confirmed", str(
            _("当選の確定が済んでいない予約です。予約者がマイページの「予約」で確定してから受付できます。")
        )
    if booking.status != BookingStatus.CONFIRMED:
        return "not_active", str(
            _("この予約は%(status)sのため受付できません。") % {"status": booking.get_status_display()}
        )
    day = timezone.localtime(booking.slot.starts_at).date()
    today = timezone.localtime(now).date()
    when = f"{day.year}年{day.month}月{day.day}日"
    if day > today:
        return "wrong_day", str(
            _(
                "この予約は %(day)s の予約です。受付（来庁の記録）は予約の当日だけできます。"
                "今日ご用件をお受けするときは、予約なしの来庁として対応するか、予約者と一緒に今日の空いている枠へ"
                "予約を変更してください。"
            )
            % {"day": when}
        )
    if day < today:
        return "wrong_day", str(
            _(
                "この予約は %(day)s の予約で、予約日を過ぎています。受付は予約の当日だけできます。"
                "来られなかった予約は、その日の一覧で「来場なし」にできます。"
                "今日ご用件をお受けするときは、予約なしの来庁として対応してください。"
            )
            % {"day": when}
        )
    return None


def staff_find_booking_by_code(*, user: User, code: str) -> Booking | None:
    return (
        Booking.objects.filter(resource__in=staff_resource_list(user=user), code=code)
        .select_related("resource", "slot", "user")
        .first()
    )


def lottery_entries_for_staff(lottery: Lottery) -> QuerySet[LotteryEntry]:
    return lottery.entries.select_related("user", "first_choice", "second_choice", "booking").order_by(
        "priority", "id"
    )


def is_first_come(resource: Resource) -> bool:
    return resource.allocation == AllocationMode.FIRST_COME
