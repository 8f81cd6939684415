"""E-mail over SMTP through Django's mail API (EMAIL_BACKEND: SMTP in production,
madoguchi.core.devmail in the demo, which shows messages on /dev/mail/).

Japanese subjects are RFC 2047 encoded (UTF-8) and bodies sent as UTF-8; the Message-ID
is derived from the notification id so that a resend after a crash can be recognised.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from madoguchi.notifications.channels.base import (
    DeliveryError,
    NotificationChannel,
    OutgoingMessage,
    http_timeout,
    register,
)


def message_id_for(notification_id: str) -> str:
    domain = getattr(settings, "NOTIFICATION_MESSAGE_ID_DOMAIN", "madoguchi.invalid")
    return f"<{notification_id}@{domain}>"


@register("email")
class EmailChannel(NotificationChannel):
    def address_for(self, *, user: Any, preference: Any) -> str | None:
        if preference is not None and not preference.email_enabled:
            return None
        return user.email or None

    def send(self, message: OutgoingMessage) -> str:
        mail = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={
                "Message-ID": message_id_for(message.id),
                "X-Madoguchi-Notification": message.id,
                "X-Madoguchi-Event": message.event,
            },
            connection=get_connection(timeout=http_timeout()),
        )
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP unavailable: {exc}") from exc
        return message_id_for(message.id)
