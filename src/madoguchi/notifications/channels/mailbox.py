"""The in-app mailbox: the only channel that carries sensitive content."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from madoguchi.notifications.channels.base import NotificationChannel, OutgoingMessage, register

if TYPE_CHECKING:
    from madoguchi.accounts.models import User
    from madoguchi.notifications.models import ContactPreference


@register("mailbox")
class MailboxChannel(NotificationChannel):
    carries_sensitive_content = True
    writes_in_transaction = True

    def address_for(self, *, user: User, preference: ContactPreference | None) -> str | None:
        return f"user:{user.pk}"

    def send(self, message: OutgoingMessage) -> str:
        from madoguchi.notifications.models import MailboxMessage

        source_key = f"notification:{message.id}"
        try:
            with transaction.atomic():
                row = MailboxMessage.objects.create(
                    user_id=message.recipient_id,
                    organization_id=message.organization_id,
                    subject=message.subject,
                    body=message.body,
                    source_key=source_key,
                    notification_id=message.id,
                )
        except IntegrityError:  # delivered by an earlier attempt
            row = MailboxMessage.objects.get(user_id=message.recipient_id, source_key=source_key)
        return str(row.pk)

    def send_many(self, messages: list[OutgoingMessage]) -> None:
        """All of them in one INSERT; a message delivered by an earlier attempt stays as it is
        (``ON CONFLICT DO NOTHING`` on the person and the source)."""
        from django.db import transaction

        from madoguchi.core.multirow import insert_many
        from madoguchi.notifications.models import MailboxMessage

        rows = [
            MailboxMessage(
                user_id=message.recipient_id,
                organization_id=message.organization_id,
                subject=message.subject,
                body=message.body,
                source_key=f"notification:{message.id}",
                notification_id=message.id,
            )
            for message in messages
        ]
        insert_many(rows, transaction.get_connection(), ignore_conflicts=True)
