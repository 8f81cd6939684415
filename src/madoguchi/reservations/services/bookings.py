"""Book, change, cancel, confirm, check in, mark no-shows, send reminders.

Capacity is enforced by the database: a new booking takes its places with one conditional
``UPDATE … SET booked_count = booked_count + n WHERE booked_count + n <= capacity … RETURNING``
(``take_places``), sent with the audit entry in one round trip just before the COMMIT; changes and
cancellations lock the slot row (``select_for_update``) for the check and the increment; and
``booked_count <= capacity`` is a CheckConstraint, so even a bug in this code cannot overbook.
Lock order everywhere: user → slots (by id) → booking.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import User
from madoguchi.audit.services import audit_batch, audit_record
from madoguchi.core.errors import DomainError, PermissionDeniedError
from madoguchi.reservations import emails, rules
from madoguchi.reservations.constants import ACTIVE, BookingStatus, EntryStatus
from madoguchi.reservations.models import Booking, Slot
from madoguchi.reservations.selectors import (
    check_in_problem,
    check_staff,
    is_staff_for,
    lottery_state,
    slot_hint_writes,
)
from madoguchi.reservations.services.common import (
    add_places,
    booking_snapshot,
    clean_party_and_data,
    create_booking_row,
    lock_person,
    own_bookings,
    take_places,
)
from madoguchi.reservations.services.notices import booking_notice_queue


def _check_bookable(slot: Slot, now: dt.datetime) -> None:
    resource = slot.resource
    if not resource.is_public:
        raise DomainError(_("この予約先は現在受け付けていません。"), code="not_available", status=404)
    by_lottery = lottery_state(slot)
    if by_lottery is not None:
        raise DomainError(by_lottery[1], code="lottery")
    if slot.is_blocked:
        raise DomainError(_("この枠は受付を停止しています。別の日時をお選びください。"), code="blocked")
    window = rules.booking_window(resource, slot.starts_at)
    state = window.state(now)
    if state != "open":
        raise DomainError(rules.window_message(state, window), code=f"window_{state}")


def _full_error() -> DomainError:
    return DomainError(
        _("申し訳ありません。この枠は満席になりました。別の日時をお選びください。"), code="full"
    )


def _full_or_blocked_error(slot: Slot) -> DomainError:
    """The conditional UPDATE took no place: the slot filled up, or staff stopped it meanwhile."""
    if Slot.objects.filter(pk=slot.pk, is_blocked=True).exists():
        return DomainError(_("この枠は受付を停止しています。別の日時をお選びください。"), code="blocked")
    return _full_error()


def booking_create(
    *,
    user: User,
    slot_id: int,
    party_size: Any = 1,
    data: dict[str, Any] | None = None,
    idempotency_key: str = "",
    application: Any = None,
    now: dt.datetime | None = None,
    slot: Slot | None = None,
) -> Booking:
    """First-come booking of one slot. Raises FieldErrors (input) or DomainError (full, window …).

    ``slot``: the slot with its resource as the caller just read it (the booking page), so it
    is not read twice; its counts are only a first check, the conditional UPDATE decides."""
    now = now or timezone.now()
    if slot is None or str(slot.pk) != str(slot_id):
        try:
            slot = Slot.objects.select_related("resource").get(pk=slot_id)
        except (Slot.DoesNotExist, ValueError, TypeError):
            raise DomainError(_("指定された枠が見つかりません。"), code="not_found", status=404) from None
    resource = slot.resource
    # Input first, outside the lock: a typo never waits for a place.
    party_size, cleaned = clean_party_and_data(resource=resource, user=user, party_size=party_size, data=data)
    if application is not None and (
        application.applicant_id != user.pk or application.organization_id != resource.organization_id
    ):
        raise DomainError(_("この申請はこの予約に結び付けられません。"), code="application_mismatch")
    places = resource.places_for(party_size)
    key = (idempotency_key or "")[:100]
    with transaction.atomic(), audit_batch():
        # The person first (serializes one person's parallel attempts, for the per-person
        # limit), then their own bookings, and only then the contended slot row, so the slot
        # lock is held for as few statements as possible.
        # Both statements are written out once (services/common.py, decision 0029).
        lock_person(user)
        mine = own_bookings(user=user, resource=resource, now=now, key=key)
        existing = next((b for b in mine if key and b.idempotency_key == key), None)
        if existing:
            return existing
        active = [
            b for b in mine if b.status in ACTIVE and b.resource_id == resource.pk and b.slot.ends_at >= now
        ]
        if any(b.slot_id == slot.pk for b in active):
            raise DomainError(_("この枠はすでに予約済みです。予約一覧でご確認ください。"), code="duplicate")
        if len(active) >= resource.per_person_limit:
            raise DomainError(
                _("この予約先の予約は1人%(n)s件までです。ほかの予約を取り消すか、変更をご利用ください。")
                % {"n": resource.per_person_limit},
                code="limit",
            )
        # Everything that does not need the place is written before the contended slot row is
        # touched: the booking row and the audit entry (held back by audit_batch). If the place
        # is gone, the whole transaction rolls back (and no notice is queued).
        _check_bookable(slot, now)
        if slot.booked_count + places > slot.capacity:  # full already when we read it
            raise _full_error()
        booking = create_booking_row(
            resource=resource,
            slot=slot,
            user=user,
            status=BookingStatus.CONFIRMED,
            party_size=party_size,
            places=places,
            data=cleaned,
            idempotency_key=key,
            application=application,
            confirmed_at=now,
            noticed_at=None,
        )
        audit_record(
            actor=user, action="reservation.booking.created", target=booking, after=booking_snapshot(booking)
        )
        # The confirmation notice is written by a task right after commit (services/notices.py):
        # the person is answered as soon as the place is theirs. The waiting room's hints about
        # the slot (places left, full) go to the cache with the notice gate, in one round trip.
        booking_notice_queue(booking, also=lambda: slot_hint_writes(slot))
        # The critical section: one conditional UPDATE … RETURNING takes the place (or finds
        # none), sent with the audit entry in one round trip; then only the COMMIT follows.
        if take_places(slot, places, tell_after_commit=False) is None:
            raise _full_or_blocked_error(slot)
    return booking


def _lock_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource", "slot", "user")
        .get(pk=booking.pk)
    )


def booking_change(
    *, booking: Booking, new_slot_id: int, actor: User, now: dt.datetime | None = None
) -> Booking:
    """Move a confirmed booking to another slot of the same resource (both slots locked)."""
    now = now or timezone.now()
    if actor.pk != booking.user_id:
        raise PermissionDeniedError(_("この予約を変更する権限がありません。"))
    try:
        new_slot_id = int(new_slot_id)
    except (TypeError, ValueError):
        raise DomainError(_("変更先の枠を選んでください。"), code="invalid") from None
    with transaction.atomic():
        ids = sorted({booking.slot_id, new_slot_id})
        slots = {
            s.pk: s
            for s in Slot.objects.select_for_update()
            .select_related("resource")
            .filter(pk__in=ids)
            .order_by("pk")
        }
        booking = _lock_booking(booking)
        new_slot = slots.get(new_slot_id)
        if new_slot is None or new_slot.resource_id != booking.resource_id:
            raise DomainError(_("変更先の枠が見つかりません。"), code="not_found", status=404)
        if booking.status != BookingStatus.CONFIRMED:
            raise DomainError(
                _("この予約は変更できません（%(status)s）。") % {"status": booking.get_status_display()},
                code="not_changeable",
            )
        if new_slot.pk == booking.slot_id:
            return booking
        if booking.slot.starts_at <= now:
            raise DomainError(_("開始時刻を過ぎた予約は変更できません。"), code="started")
        _check_bookable(new_slot, now)
        if Booking.objects.filter(user=booking.user, slot=new_slot, status__in=ACTIVE).exists():
            raise DomainError(_("変更先の枠はすでに予約済みです。"), code="duplicate")
        if new_slot.booked_count + booking.places > new_slot.capacity:
            raise _full_error()
        before = booking_snapshot(booking)
        old_slot = slots[booking.slot_id]
        add_places(old_slot, -booking.places)
        add_places(new_slot, booking.places)
        booking.slot = new_slot
        booking.reminder_sent_at = None
        booking.save(update_fields=["slot", "reminder_sent_at", "updated_at"])
        audit_record(
            actor=actor,
            action="reservation.booking.changed",
            target=booking,
            before=before,
            after=booking_snapshot(booking),
        )
        emails.booking_changed(booking)
    return booking


def booking_cancel(
    *, booking: Booking, actor: User, now: dt.datetime | None = None, reason: str = ""
) -> Booking:
    """Cancel (the applicant before the start, or staff) and give the places back."""
    now = now or timezone.now()
    by_staff = actor.pk != booking.user_id
    if by_staff and not is_staff_for(actor, booking.resource):
        raise PermissionDeniedError(_("この予約を取り消す権限がありません。"))
    with transaction.atomic():
        slot = Slot.objects.select_for_update().select_related("resource").get(pk=booking.slot_id)
        booking = _lock_booking(booking)
        if booking.status not in ACTIVE:
            raise DomainError(
                _("この予約はすでに%(status)sです。") % {"status": booking.get_status_display()},
                code="not_active",
            )
        if not by_staff and slot.starts_at <= now:
            raise DomainError(
                _("開始時刻を過ぎた予約は取り消せません。窓口にご連絡ください。"), code="started"
            )
        before = booking_snapshot(booking)
        add_places(slot, -booking.places)
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at", "updated_at"])
        entry = getattr(booking, "lottery_entry", None)
        if entry is not None:
            entry.status = EntryStatus.DECLINED
            entry.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="reservation.booking.cancelled",
            target=booking,
            before=before,
            after={**booking_snapshot(booking), "by_staff": by_staff, "reason": reason[:200]},
        )
        emails.booking_cancelled(booking)
        if slot.lottery_id:
            from madoguchi.reservations.services.lotteries import offer_to_waitlist

            offer_to_waitlist(slot=slot, now=now)
    return booking


def booking_confirm(*, booking: Booking, actor: User, now: dt.datetime | None = None) -> Booking:
    """A lottery winner confirms their place before the deadline."""
    now = now or timezone.now()
    if actor.pk != booking.user_id:
        raise PermissionDeniedError(_("この予約を確定する権限がありません。"))
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status == BookingStatus.CONFIRMED:
            return booking
        if booking.status != BookingStatus.PENDING:
            raise DomainError(
                _("この予約は確定できません（%(status)s）。") % {"status": booking.get_status_display()},
                code="not_pending",
            )
        if booking.expires_at and booking.expires_at <= now:
            raise DomainError(_("確定期限を過ぎたため、確定できません。"), code="expired")
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        booking.save(update_fields=["status", "confirmed_at", "updated_at"])
        entry = getattr(booking, "lottery_entry", None)
        if entry is not None:
            entry.status = EntryStatus.CONFIRMED
            entry.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="reservation.booking.confirmed",
            target=booking,
            after=booking_snapshot(booking),
        )
        emails.booking_confirmed(booking)
    return booking


def normalize_code(raw: str) -> str:
    """Accept codes typed with spaces, hyphens, lower case or full-width characters."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    return "".join(ch for ch in text if ch.isalnum())


def booking_check_in(*, booking: Booking, actor: User, now: dt.datetime | None = None) -> Booking:
    """Staff check a visitor in on the day of the booking."""
    now = now or timezone.now()
    check_staff(actor, booking.resource)
    with transaction.atomic():
        booking = _lock_booking(booking)
        problem = check_in_problem(booking, now)
        if problem is not None:
            raise DomainError(problem[1], code=problem[0])
        booking.status = BookingStatus.CHECKED_IN
        booking.checked_in_at = now
        booking.checked_in_by = actor
        booking.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
        audit_record(
            actor=actor,
            action="reservation.booking.checked_in",
            target=booking,
            after=booking_snapshot(booking),
        )
    return booking


def booking_mark_no_show(*, booking: Booking, actor: User, now: dt.datetime | None = None) -> Booking:
    """Staff record that a confirmed visitor did not come (after the slot started)."""
    now = now or timezone.now()
    check_staff(actor, booking.resource)
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status != BookingStatus.CONFIRMED:
            raise DomainError(
                _("この予約は%(status)sのため来場なしにできません。")
                % {"status": booking.get_status_display()},
                code="not_active",
            )
        if booking.slot.starts_at > now:
            raise DomainError(_("開始時刻の前は来場なしにできません。"), code="not_started")
        booking.status = BookingStatus.NO_SHOW
        booking.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="reservation.booking.no_show", target=booking, after=booking_snapshot(booking)
        )
    return booking


def booking_link_application(*, booking: Booking, application: Any, actor: User) -> Booking:
    """Link a booking to an application (S6: 来庁予約 → 書かない窓口 → 審査)."""
    if actor.pk != booking.user_id:
        check_staff(actor, booking.resource)
    if (
        application.applicant_id != booking.user_id
        or application.organization_id != booking.resource.organization_id
    ):
        raise DomainError(_("この申請はこの予約に結び付けられません。"), code="application_mismatch")
    with transaction.atomic():
        booking = _lock_booking(booking)
        before = {"application": str(booking.application_id) if booking.application_id else None}
        booking.application = application
        booking.save(update_fields=["application", "updated_at"])
        audit_record(
            actor=actor,
            action="reservation.booking.application_linked",
            target=booking,
            before=before,
            after={"application": str(application.pk)},
        )
    return booking


def booking_reminders_send(*, now: dt.datetime | None = None, hours: int | None = None) -> int:
    """Send a reminder once for each confirmed booking starting within ``hours``."""
    from django.conf import settings

    now = now or timezone.now()
    hours = settings.RESERVATIONS_REMINDER_HOURS if hours is None else hours
    due = Booking.objects.filter(
        status=BookingStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        slot__starts_at__gt=now,
        slot__starts_at__lte=now + dt.timedelta(hours=hours),
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        # Claim and write the outbox row in one transaction: two workers never send the same
        # reminder, and a crash never leaves a claimed booking without its notice.
        with transaction.atomic():
            claimed = Booking.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if claimed != 1:
                continue
            booking = Booking.objects.select_related("resource__organization", "slot", "user").get(pk=pk)
            emails.booking_reminder(booking)
        sent += 1
    return sent
