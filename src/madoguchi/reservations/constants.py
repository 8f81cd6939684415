"""Choices of the reservations app (English values, translated labels)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceKind(models.TextChoices):
    COUNTER = "counter", _("窓口")
    FACILITY = "facility", _("施設")
    LODGING = "lodging", _("宿泊施設")
    BRIEFING = "briefing", _("説明会")


class AllocationMode(models.TextChoices):
    FIRST_COME = "first_come", _("先着順")
    LOTTERY = "lottery", _("抽選")


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("当選・確定待ち")
    CONFIRMED = "confirmed", _("予約済み")
    CHECKED_IN = "checked_in", _("受付済み")
    NO_SHOW = "no_show", _("来場なし")
    CANCELLED = "cancelled", _("取消し")
    EXPIRED = "expired", _("期限切れ")


# Statuses that hold a place on the slot (count towards booked_count).
HOLDS_PLACE = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
    BookingStatus.NO_SHOW,
)
# Statuses the applicant can still change or cancel.
ACTIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class LotteryStatus(models.TextChoices):
    OPEN = "open", _("受付中・抽選前")
    DRAWN = "drawn", _("抽選済み")


class EntryStatus(models.TextChoices):
    ENTERED = "entered", _("申込済み（抽選前）")
    WON = "won", _("当選（確定待ち）")
    CONFIRMED = "confirmed", _("当選・確定済み")
    WAITLISTED = "waitlisted", _("落選（キャンセル待ち）")
    DECLINED = "declined", _("辞退")
    EXPIRED = "expired", _("確定期限切れ")
    WITHDRAWN = "withdrawn", _("申込取下げ")


# Staff roles allowed to run a resource's day (check-in, no-show, blocks, lottery draw).
STAFF_ROLES = ("counter", "reviewer", "approver", "owner", "centre", "admin")

# Unambiguous characters for check-in codes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

LOTTERY_ALGORITHM = "madoguchi-lottery-v1"
