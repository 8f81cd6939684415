"""Resources, slots with database-enforced capacity, bookings, closures and lotteries."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.core.models import TimeStampedModel
from madoguchi.reservations.constants import (
    ACTIVE,
    AllocationMode,
    BookingStatus,
    EntryStatus,
    LotteryStatus,
    ResourceKind,
)


def default_opening_hours() -> dict[str, list[list[str]]]:
    """Weekday → periods. A period whose end is not after its start ends the next day."""
    day = [["09:00", "12:00"], ["13:00", "17:00"]]
    return {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}


class Resource(TimeStampedModel):
    """Something people book: a counter for a service, a facility, a lodging room type, a 説明会."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="resources")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="resources"
    )
    kind = models.CharField(_("種類"), max_length=12, choices=ResourceKind.choices)
    slug = models.SlugField(max_length=80)
    name = models.CharField(_("名称"), max_length=200)
    service = models.CharField(_("窓口の業務"), max_length=200, blank=True)
    description = models.TextField(_("説明"), blank=True)
    location = models.CharField(_("場所"), max_length=300, blank=True)
    allocation = models.CharField(
        _("受付方法"), max_length=12, choices=AllocationMode.choices, default=AllocationMode.FIRST_COME
    )
    # Slots
    opening_hours = models.JSONField(_("受付時間"), default=default_opening_hours)
    slot_minutes = models.PositiveSmallIntegerField(_("1枠の長さ（分、0は期間ごとに1枠）"), default=30)
    capacity = models.PositiveIntegerField(_("1枠の定員"), default=1)
    counts_party = models.BooleanField(
        _("人数分の席を使う"), default=True, help_text=_("オフにすると1件の予約で1枠（1室）を使います。")
    )
    max_party_size = models.PositiveSmallIntegerField(_("1件あたりの最大人数"), default=1)
    closed_on_holidays = models.BooleanField(_("祝日は休み"), default=True)
    closed_year_end = models.BooleanField(_("年末年始（12/29〜1/3）は休み"), default=True)
    # Booking window relative to the slot
    opens_days_before = models.PositiveSmallIntegerField(_("受付開始（何日前）"), default=30)
    opens_at_time = models.TimeField(_("受付開始時刻"), default=dt.time(9, 0))
    closes_hours_before = models.PositiveSmallIntegerField(_("受付締切（何時間前）"), default=24)
    per_person_limit = models.PositiveSmallIntegerField(_("1人あたりの予約上限"), default=1)
    # Procedure-style field list (validated by procedures.validation.clean_fields)
    required_fields = models.JSONField(_("予約時に伺う項目"), default=list, blank=True)
    is_public = models.BooleanField(_("公開"), default=True)
    # The procedures whose page links here (a 説明会 before a 指定申請, a 保養所's calendar).
    procedures = models.ManyToManyField(
        "procedures.Procedure", blank=True, related_name="resources", verbose_name=_("関連する手続")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="resource_slug_unique"),
            models.CheckConstraint(condition=Q(max_party_size__gte=1), name="resource_party_size_positive"),
        ]
        ordering = ["organization_id", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    def places_for(self, party_size: int) -> int:
        return party_size if self.counts_party else 1


class Closure(models.Model):
    """An ad-hoc closed day of one resource (臨時休業), on top of holidays and 年末年始."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("日付"))
    reason = models.CharField(_("理由"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "date"], name="closure_unique")]
        ordering = ["date"]


class Lottery(TimeStampedModel):
    """An application period (抽選) for some slots of a resource instead of first-come booking."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="lotteries")
    title = models.CharField(_("名称"), max_length=200)
    entries_open_at = models.DateTimeField(_("申込開始"))
    entries_close_at = models.DateTimeField(_("申込締切"))
    confirm_by = models.DateTimeField(_("当選者の確定期限"))
    offer_hours = models.PositiveSmallIntegerField(_("繰り上げ当選の確定期限（時間）"), default=48)
    status = models.CharField(max_length=10, choices=LotteryStatus.choices, default=LotteryStatus.OPEN)
    # Commit–reveal: the commitment is public from the start, the seed only after the draw.
    seed = models.CharField(max_length=64)
    seed_commitment = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=40, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    draw_record = models.JSONField(null=True, blank=True)
    draw_record_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(entries_close_at__gt=F("entries_open_at")), name="lottery_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(confirm_by__gt=F("entries_close_at")), name="lottery_confirm_after_close"
            ),
        ]
        ordering = ["-entries_open_at"]

    @property
    def state_label(self) -> str:
        """The state as a person reads it: an open lottery is 「受付中」 only between its dates."""
        if self.status == LotteryStatus.OPEN:
            now = timezone.now()
            if now < self.entries_open_at:
                return str(_("申込の受付前"))
            if now >= self.entries_close_at:
                return str(_("申込の受付終了・抽選前"))
        return str(self.get_status_display())

    def __str__(self) -> str:
        return self.title


class Slot(models.Model):
    """One bookable time of a resource. ``booked_count <= capacity`` is a database constraint."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"))
    capacity = models.PositiveIntegerField(_("定員"))
    booked_count = models.PositiveIntegerField(_("予約済み"), default=0)
    is_blocked = models.BooleanField(_("受付停止"), default=False)
    block_reason = models.CharField(_("受付停止の理由"), max_length=200, blank=True)
    lottery = models.ForeignKey(
        Lottery, null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(booked_count__lte=F("capacity")), name="slot_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            models.UniqueConstraint(fields=["resource", "starts_at"], name="slot_start_unique"),
        ]
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["resource", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.resource.name} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked_count)


class Booking(TimeStampedModel):
    """A person's place on a slot. The check-in code is printed and encoded in the QR code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    # Every booking of an opening rush writes this table: no index here that another of its
    # indexes already gives (decision 0031) — (slot, status) and (user, status) lead with these.
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings", db_index=False)
    # None once retention has anonymized a past booking (services/personal.py).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
        db_index=False,
    )
    status = models.CharField(max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED)
    party_size = models.PositiveSmallIntegerField(_("人数"), default=1)
    places = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(_("受付コード"), max_length=16)  # unique: Meta.constraints
    data = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
        db_index=False,  # nearly always empty: indexed where set (Meta.indexes)
    )
    # Lottery winners confirm before this time; unset for first-come bookings.
    expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(  # empty until check-in: indexed where set (Meta.indexes)
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # When the confirmation notice was written (outbox). A first-come booking leaves it empty
    # and a task writes the notice right after the booking commits (services.bookings,
    # booking_notice_confirmed); the beat sweeper finds any whose task was lost.
    noticed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # a constraint, not unique=True: on PostgreSQL that adds a LIKE index nothing uses
            models.UniqueConstraint(fields=["code"], name="booking_code_unique"),
            # One active booking per person and slot: a double submit cannot take two places.
            models.UniqueConstraint(
                fields=["user", "slot"], condition=Q(status__in=ACTIVE), name="booking_one_active_per_slot"
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="booking_idempotency_unique",
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="booking_places_positive"),
        ]
        ordering = ["slot__starts_at", "created_at"]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["slot", "status"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(
                fields=["created_at"], condition=Q(noticed_at__isnull=True), name="booking_notice_waiting"
            ),
            models.Index(
                fields=["application"], condition=Q(application__isnull=False), name="booking_application_set"
            ),
            models.Index(
                fields=["checked_in_by"],
                condition=Q(checked_in_by__isnull=False),
                name="booking_checked_in_by_set",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code_display(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class LotteryEntry(TimeStampedModel):
    """One person's entry (申込) with 1st/2nd choice and party size."""

    lottery = models.ForeignKey(Lottery, on_delete=models.PROTECT, related_name="entries")
    user = models.ForeignKey(  # None once anonymized by retention
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lottery_entries",
    )
    first_choice = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="+")
    second_choice = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    party_size = models.PositiveSmallIntegerField(_("人数"), default=1)
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=EntryStatus.choices, default=EntryStatus.ENTERED)
    # Filled by the draw: position in the random order (1 = first) and on the waiting list.
    priority = models.PositiveIntegerField(null=True, blank=True)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="lottery_entry"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lottery", "user"],
                condition=~Q(status="withdrawn"),
                name="lottery_one_entry_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(first_choice=F("second_choice")), name="lottery_choices_differ"
            ),
        ]
        ordering = ["lottery_id", "id"]
