"""Django admin for setting up resources, closures, slots and lotteries (no code needed)."""

import secrets

from django.contrib import admin

from madoguchi.reservations.constants import LOTTERY_ALGORITHM
from madoguchi.reservations.lottery import seed_commitment
from madoguchi.reservations.models import Booking, Closure, Lottery, LotteryEntry, Resource, Slot


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "kind", "allocation", "capacity", "is_public"]
    list_filter = ["kind", "allocation", "organization"]
    search_fields = ["name", "slug", "service"]
    inlines = [ClosureInline]
    filter_horizontal = ["procedures"]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["resource", "starts_at", "capacity", "booked_count", "is_blocked", "lottery"]
    list_filter = ["resource", "is_blocked"]
    readonly_fields = ["booked_count"]  # changed only by the services, under a row lock


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["code", "resource", "slot", "user", "status", "party_size"]
    list_filter = ["status", "resource"]
    search_fields = ["code", "user__email"]
    readonly_fields = [f.name for f in Booking._meta.fields]  # state changes go through services

    def has_add_permission(self, request):
        return False


@admin.register(Lottery)
class LotteryAdmin(admin.ModelAdmin):
    list_display = ["title", "resource", "status", "entries_open_at", "entries_close_at"]
    readonly_fields = [
        "seed_commitment",
        "algorithm",
        "draw_record",
        "draw_record_sha256",
        "drawn_at",
        "drawn_by",
        "status",
    ]
    exclude = ["seed"]  # secret until the draw; shown on the public page afterwards

    def save_model(self, request, obj, form, change):
        if not obj.seed:
            obj.seed = secrets.token_hex(16)
            obj.seed_commitment = seed_commitment(obj.seed)
            obj.algorithm = LOTTERY_ALGORITHM
        super().save_model(request, obj, form, change)


@admin.register(LotteryEntry)
class LotteryEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "lottery", "user", "status", "priority", "waitlist_position"]
    list_filter = ["status", "lottery"]
    readonly_fields = [f.name for f in LotteryEntry._meta.fields]

    def has_add_permission(self, request):
        return False
