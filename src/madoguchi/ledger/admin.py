"""Admin: ledger roles and events. Personal fields are never shown here (they are sealed)."""

from django.contrib import admin

from madoguchi.ledger.models import DisasterEvent, EventMunicipality, LedgerRole


class EventMunicipalityInline(admin.TabularInline):
    model = EventMunicipality
    extra = 0
    fields = ("organization",)


@admin.register(DisasterEvent)
class DisasterEventAdmin(admin.ModelAdmin):
    list_display = ("name", "occurred_on", "status", "prefecture")
    fields = ("prefecture", "name", "occurred_on", "status")
    readonly_fields = ("status",)
    inlines = [EventMunicipalityInline]


@admin.register(LedgerRole)
class LedgerRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "kind")
    list_filter = ("kind", "organization")
    raw_id_fields = ("user",)
