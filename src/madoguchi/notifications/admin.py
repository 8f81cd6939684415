from django.contrib import admin

from madoguchi.notifications.models import (
    ContactPreference,
    DeliveryBatch,
    Member,
    Notification,
    NotificationTemplate,
    PushCampaign,
    WebhookEndpoint,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "organization", "recipient_key", "channel", "event", "status", "attempts")
    list_filter = ("status", "channel", "event")
    search_fields = ("recipient_key", "dedupe_key", "address")
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("organization", "number", "user", "birth_date")
    search_fields = ("number", "user__email")
    raw_id_fields = ("user",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("organization", "name", "url", "active")


admin.site.register(NotificationTemplate)
admin.site.register(ContactPreference)
admin.site.register(DeliveryBatch)
admin.site.register(PushCampaign)
