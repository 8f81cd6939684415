from django.urls import path

from madoguchi.notifications.views import mailbox, staff

app_name = "notifications"
urlpatterns = [
    path("", mailbox.mailbox, name="mailbox"),
    path("settings/", mailbox.settings_view, name="settings"),
    path("<uuid:message_id>/", mailbox.message, name="message"),
    path("<uuid:message_id>/download/", mailbox.download, name="download"),
    path("staff/", staff.home, name="staff_home"),
    path("staff/<slug:org_slug>/", staff.notifications, name="staff_notifications"),
    path(
        "staff/<slug:org_slug>/n/<uuid:notification_id>/",
        staff.notification_detail,
        name="staff_notification",
    ),
    path(
        "staff/<slug:org_slug>/n/<uuid:notification_id>/resend/",
        staff.notification_resend,
        name="staff_resend",
    ),
    path("staff/<slug:org_slug>/templates/", staff.templates, name="staff_templates"),
    path(
        "staff/<slug:org_slug>/templates/<str:event>/<str:language>/",
        staff.template_edit,
        name="staff_template",
    ),
    path("staff/<slug:org_slug>/batches/", staff.batches, name="staff_batches"),
    path("staff/<slug:org_slug>/members/", staff.members, name="staff_members"),
    path("staff/<slug:org_slug>/batches/<uuid:batch_id>/", staff.batch_detail, name="staff_batch"),
    path("staff/<slug:org_slug>/push/", staff.pushes, name="staff_push"),
    path("staff/<slug:org_slug>/push/<uuid:campaign_id>/", staff.push_detail, name="staff_push_detail"),
]
