"""Writes of the notifications app. Import from here: ``from madoguchi.notifications.services import …``.

The outbox is two modules: ``enqueue`` writes the rows in the caller's transaction, ``delivery``
sends them after commit (claim, send, retry, sweep, resend, purge)."""

from madoguchi.notifications.services.batches import (
    delivery_batch_create,
    delivery_batch_process,
    member_register,
)
from madoguchi.notifications.services.delivery import (
    notification_deliver,
    notification_resend,
    notifications_deliver_batch,
    notifications_delivered_inline,
    notifications_dispatch,
    notifications_purge,
    notifications_sweep,
)
from madoguchi.notifications.services.enqueue import (
    contact_preference,
    contact_preferences_preload,
    notification_enqueue,
    notifications_batch,
)
from madoguchi.notifications.services.mailbox import mailbox_deliver, mailbox_mark_read
from madoguchi.notifications.services.members import MemberImportReport, member_import
from madoguchi.notifications.services.preferences import (
    contact_preference_get,
    contact_preference_update,
    staff_digest_set,
)
from madoguchi.notifications.services.push import (
    push_campaign_create,
    push_campaign_pause,
    push_campaign_start,
    push_campaign_step,
    push_recipient_count,
)
from madoguchi.notifications.services.templates import template_check, template_preview, template_save

__all__ = [
    "MemberImportReport",
    "contact_preference",
    "contact_preferences_preload",
    "notifications_batch",
    "member_import",
    "contact_preference_get",
    "contact_preference_update",
    "delivery_batch_create",
    "delivery_batch_process",
    "mailbox_deliver",
    "mailbox_mark_read",
    "member_register",
    "notification_deliver",
    "notifications_deliver_batch",
    "notification_enqueue",
    "notification_resend",
    "notifications_delivered_inline",
    "notifications_dispatch",
    "notifications_purge",
    "notifications_sweep",
    "push_campaign_create",
    "push_campaign_pause",
    "push_campaign_start",
    "push_campaign_step",
    "push_recipient_count",
    "staff_digest_set",
    "template_check",
    "template_preview",
    "template_save",
]
