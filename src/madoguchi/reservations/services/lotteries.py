"""Lotteries (抽選): entries with 1st/2nd choice, a reproducible draw, confirmation deadlines
and a waiting list that receives every place that is declined or not confirmed in time."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.reservations import emails, lottery
from madoguchi.reservations.constants import ACTIVE, AllocationMode, BookingStatus, EntryStatus, LotteryStatus
from madoguchi.reservations.models import Booking, Lottery, LotteryEntry, Resource, Slot
from madoguchi.reservations.selectors import check_staff
from madoguchi.reservations.services.common import (
    add_places,
    booking_snapshot,
    clean_party_and_data,
    create_booking_row,
)


def lottery_create(
    *,
    resource: Resource,
    title: str,
    entries_open_at: dt.datetime,
    entries_close_at: dt.datetime,
    confirm_by: dt.datetime,
    slots: list[Slot],
    actor: User,
    offer_hours: int = 48,
    seed: str | None = None,
) -> Lottery:
    """Open a lottery for some slots. The seed is fixed now; only its sha256 is shown until the draw."""
    if actor is not None:
        check_staff(actor, resource)
    errors: dict[str, list[str]] = {}
    if entries_close_at <= entries_open_at:
        errors["entries_close_at"] = [_("申込締切は申込開始より後にしてください。")]
    if confirm_by <= entries_close_at:
        errors["confirm_by"] = [_("確定期限は申込締切より後にしてください。")]
    if not slots:
        errors["slots"] = [_("抽選の対象となる枠を選んでください。")]
    if any(s.resource_id != resource.pk for s in slots):
        errors["slots"] = [_("ほかの予約先の枠は選べません。")]
    if errors:
        raise FieldErrors(errors)
    seed = seed or secrets.token_hex(16)
    with transaction.atomic():
        item = Lottery.objects.create(
            resource=resource,
            title=title,
            entries_open_at=entries_open_at,
            entries_close_at=entries_close_at,
            confirm_by=confirm_by,
            offer_hours=offer_hours,
            seed=seed,
            seed_commitment=lottery.seed_commitment(seed),
            algorithm=lottery.LOTTERY_ALGORITHM,
        )
        Slot.objects.filter(pk__in=[s.pk for s in slots]).update(lottery=item)
        audit_record(
            actor=actor,
            action="reservation.lottery.created",
            target=item,
            after={
                "slots": sorted(s.pk for s in slots),
                "seed_commitment": item.seed_commitment,
                "algorithm": item.algorithm,
                "entries_close_at": entries_close_at.isoformat(),
            },
        )
    return item


def lottery_enter(
    *,
    lottery_obj: Lottery,
    user: User,
    first_choice_id: Any,
    second_choice_id: Any = None,
    party_size: Any = 1,
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> LotteryEntry:
    """Enter a lottery during its period. One entry per person; per-person limits respected."""
    now = now or timezone.now()
    resource = lottery_obj.resource
    slot_ids = set(lottery_obj.slots.values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}

    def as_slot(raw: Any, field: str, required: bool) -> int | None:
        if raw in (None, ""):
            if required:
                errors[field] = [_("第1希望を選んでください。")]
            return None
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = -1
        if value not in slot_ids:
            errors[field] = [_("一覧から選んでください。")]
            return None
        return value

    first = as_slot(first_choice_id, "first_choice", True)
    second = as_slot(second_choice_id, "second_choice", False)
    if first is not None and first == second:
        errors["second_choice"] = [_("第2希望には第1希望と違う日を選んでください。")]
    try:
        size, cleaned = clean_party_and_data(resource=resource, user=user, party_size=party_size, data=data)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors or first is None:  # a missing first choice is already in ``errors``
        raise FieldErrors(errors)
    with transaction.atomic():
        locked = Lottery.objects.select_for_update().get(pk=lottery_obj.pk)
        if locked.status != LotteryStatus.OPEN or not (
            locked.entries_open_at <= now < locked.entries_close_at
        ):
            raise DomainError(_("この抽選は申込期間外です。"), code="closed")
        if (
            LotteryEntry.objects.filter(lottery=locked, user=user)
            .exclude(status=EntryStatus.WITHDRAWN)
            .exists()
        ):
            raise DomainError(_("この抽選にはすでに申し込んでいます。申込は1人1件です。"), code="duplicate")
        held = Booking.objects.filter(
            user=user, resource=resource, status__in=ACTIVE, slot__ends_at__gte=now
        ).count()
        if held >= resource.per_person_limit:
            raise DomainError(
                _("この予約先の予約は1人%(n)s件までのため、申し込めません。")
                % {"n": resource.per_person_limit},
                code="limit",
            )
        entry = LotteryEntry.objects.create(
            lottery=locked,
            user=user,
            first_choice_id=first,
            second_choice_id=second,
            party_size=size,
            data=cleaned,
        )
        audit_record(
            actor=user,
            action="reservation.lottery.entered",
            target=entry,
            after={"lottery": locked.pk, "first": first, "second": second, "party_size": size},
        )
        emails.lottery_entered(entry)
    return entry


def lottery_entry_withdraw(
    *, entry: LotteryEntry, actor: User, now: dt.datetime | None = None
) -> LotteryEntry:
    now = now or timezone.now()
    if actor.pk != entry.user_id:
        raise PermissionDeniedError(_("この申込を取り下げる権限がありません。"))
    with transaction.atomic():
        entry = LotteryEntry.objects.select_for_update().select_related("lottery").get(pk=entry.pk)
        if entry.status != EntryStatus.ENTERED or now >= entry.lottery.entries_close_at:
            raise DomainError(
                _("抽選の締切後は申込を取り下げられません。当選後は予約の取消しをご利用ください。"),
                code="closed",
            )
        entry.status = EntryStatus.WITHDRAWN
        entry.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="reservation.lottery.withdrawn", target=entry, after={"status": entry.status}
        )
    return entry


def _entry_inputs(entries: list[LotteryEntry], resource: Resource) -> list[lottery.EntryInput]:
    return [
        lottery.EntryInput(
            entry_id=e.pk,
            first_choice=e.first_choice_id,
            second_choice=e.second_choice_id,
            places=resource.places_for(e.party_size),
        )
        for e in entries
    ]


def lottery_draw(*, lottery_obj: Lottery, actor: User, now: dt.datetime | None = None) -> Lottery:
    """Draw after the entry period. Stores the full draw record and reveals the seed."""
    now = now or timezone.now()
    if actor is not None:
        check_staff(actor, lottery_obj.resource)
    with transaction.atomic():
        item = Lottery.objects.select_for_update().select_related("resource").get(pk=lottery_obj.pk)
        if item.status != LotteryStatus.OPEN:
            raise DomainError(_("この抽選はすでに抽選済みです。"), code="already_drawn")
        if now < item.entries_close_at:
            raise DomainError(_("申込締切の前は抽選できません。"), code="too_early")
        resource = item.resource
        slots = {s.pk: s for s in Slot.objects.select_for_update().filter(lottery=item).order_by("pk")}
        capacities = {pk: (0 if s.is_blocked else s.remaining) for pk, s in slots.items()}
        entries = list(
            LotteryEntry.objects.filter(lottery=item, status=EntryStatus.ENTERED)
            .select_related("user")
            .order_by("pk")
        )
        inputs = _entry_inputs(entries, resource)
        result = lottery.allocate(seed=item.seed, entries=inputs, capacities=capacities)
        by_id = {e.pk: e for e in entries}
        priority = {entry_id: n for n, entry_id in enumerate(result.order, start=1)}
        winners: list[Booking] = []
        for entry_id, slot_id in result.allocations.items():
            entry = by_id[entry_id]
            slot = slots[slot_id]
            places = resource.places_for(entry.party_size)
            add_places(slot, places)
            booking = create_booking_row(
                resource=resource,
                slot=slot,
                user=entry.user,
                status=BookingStatus.PENDING,
                party_size=entry.party_size,
                places=places,
                data=entry.data,
                expires_at=item.confirm_by,
            )
            entry.status = EntryStatus.WON
            entry.booking = booking
            entry.priority = priority[entry_id]
            entry.save(update_fields=["status", "booking", "priority", "updated_at"])
            winners.append(booking)
        waitlisted = []
        for position, entry_id in enumerate(result.waitlist, start=1):
            entry = by_id[entry_id]
            entry.status = EntryStatus.WAITLISTED
            entry.priority = priority[entry_id]
            entry.waitlist_position = position
            entry.save(update_fields=["status", "priority", "waitlist_position", "updated_at"])
            waitlisted.append(entry)
        record = result.as_record(inputs, capacities)
        item.status = LotteryStatus.DRAWN
        item.algorithm = result.algorithm
        item.drawn_at = now
        item.drawn_by = actor if getattr(actor, "is_authenticated", False) else None
        item.draw_record = record
        item.draw_record_sha256 = lottery.record_digest(record)
        item.save(
            update_fields=[
                "status",
                "algorithm",
                "drawn_at",
                "drawn_by",
                "draw_record",
                "draw_record_sha256",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="reservation.lottery.drawn",
            target=item,
            after={
                "algorithm": item.algorithm,
                "seed": item.seed,
                "seed_commitment": item.seed_commitment,
                "record_sha256": item.draw_record_sha256,
                "entries": len(entries),
                "winners": len(winners),
                "waitlist": len(waitlisted),
            },
        )
        for booking in winners:
            emails.lottery_won(booking)
        for entry in waitlisted:
            emails.lottery_waitlisted(entry)
    return item


def offer_to_waitlist(*, slot: Slot, now: dt.datetime) -> list[Booking]:
    """Give free places of a (locked) lottery slot to the waiting list, in draw order.

    Call inside the transaction that holds the slot's row lock.
    """
    if not slot.lottery_id or slot.is_blocked:
        return []
    item = Lottery.objects.select_related("resource").get(pk=slot.lottery_id)
    if item.status != LotteryStatus.DRAWN or slot.starts_at <= now:
        return []
    resource = item.resource
    offered: list[Booking] = []
    candidates = (
        LotteryEntry.objects.select_for_update(of=("self",))  # user is nullable: no outer-join lock
        .filter(lottery=item, status=EntryStatus.WAITLISTED)
        .filter(Q(first_choice=slot) | Q(second_choice=slot))
        .select_related("user")
        .order_by("priority")
    )
    for entry in candidates:
        places = resource.places_for(entry.party_size)
        if slot.remaining < places:
            continue
        add_places(slot, places)
        booking = create_booking_row(
            resource=resource,
            slot=slot,
            user=entry.user,
            status=BookingStatus.PENDING,
            party_size=entry.party_size,
            places=places,
            data=entry.data,
            expires_at=min(now + dt.timedelta(hours=item.offer_hours), slot.starts_at),
        )
        entry.status = EntryStatus.WON
        entry.booking = booking
        entry.waitlist_position = None
        entry.save(update_fields=["status", "booking", "waitlist_position", "updated_at"])
        audit_record(
            actor="system",
            action="reservation.lottery.offered",
            target=booking,
            after={**booking_snapshot(booking), "entry": entry.pk, "priority": entry.priority},
        )
        emails.lottery_won(booking, offered=True)
        offered.append(booking)
        if slot.remaining <= 0:
            break
    return offered


def lottery_expire_offers(*, now: dt.datetime | None = None) -> int:
    """Expire unconfirmed winners after their deadline and pass the places on. Returns expired count."""
    now = now or timezone.now()
    expired = 0
    due = list(
        Booking.objects.filter(status=BookingStatus.PENDING, expires_at__lte=now).values_list("pk", "slot_id")
    )
    for booking_id, slot_id in due:
        with transaction.atomic():
            slot = Slot.objects.select_for_update().select_related("resource").get(pk=slot_id)
            booking = Booking.objects.select_for_update().get(pk=booking_id)
            if (
                booking.status != BookingStatus.PENDING
                or booking.expires_at is None
                or booking.expires_at > now
            ):
                continue
            before = booking_snapshot(booking)
            add_places(slot, -booking.places)
            booking.status = BookingStatus.EXPIRED
            booking.save(update_fields=["status", "updated_at"])
            LotteryEntry.objects.filter(booking=booking).update(status=EntryStatus.EXPIRED, updated_at=now)
            audit_record(
                actor="system",
                action="reservation.booking.expired",
                target=booking,
                before=before,
                after=booking_snapshot(booking),
            )
            offer_to_waitlist(slot=slot, now=now)
            expired += 1
    return expired


def is_lottery_resource(resource: Resource) -> bool:
    return resource.allocation == AllocationMode.LOTTERY
