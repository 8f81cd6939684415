"""E-mail over SMTP through Django's mail API (EMAIL_BACKEND: SMTP in production,
madoguchi.core.devmail in the demo, which shows messages on /dev/mail/).

Japanese subjects are RFC 2047 encoded (UTF-8) and bodies sent as UTF-8; the Message-ID
is derived from the notification id so that a resend after a crash can be recognised.

Each worker thread keeps its SMTP connection open between messages (``_connection``): a new
connection per message — TCP, greeting, EHLO, often STARTTLS and AUTH — cost more than the
message itself (docs/performance.md, "Notifications"). A connection idle for longer than
``NOTIFICATION_SMTP_IDLE_SECONDS`` is not trusted (servers drop idle clients) and is replaced;
one the server dropped anyway is replaced once and the message sent again on the new one.
"""

from __future__ import annotations

import smtplib
import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from madoguchi.notifications.channels.base import (
    DeliveryError,
    NotificationChannel,
    OutgoingMessage,
    http_timeout,
    register,
)

if TYPE_CHECKING:
    from madoguchi.accounts.models import User
    from madoguchi.notifications.models import ContactPreference


_local = threading.local()


def _connection(*, fresh: bool = False) -> tuple[Any, bool]:
    """This thread's mail connection and whether it was used before: opened once and reused
    for an SMTP backend (per host, port and user), a new one each time for the other backends
    (the development and test backends keep nothing open)."""
    from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

    idle = float(getattr(settings, "NOTIFICATION_SMTP_IDLE_SECONDS", 30))
    where = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER)
    kept = getattr(_local, "connection", None)
    if kept is not None and (fresh or _local.where != where or time.monotonic() - _local.used > idle):
        _connection_close()
        kept = None
    reused = kept is not None
    if kept is None:
        kept = get_connection(timeout=http_timeout())
        if not isinstance(kept, SMTPBackend):
            return kept, False
        kept.open()
        _local.connection, _local.where = kept, where
    _local.used = time.monotonic()
    return kept, reused


def _connection_close() -> None:
    kept = getattr(_local, "connection", None)
    _local.connection = None
    if kept is not None:
        try:
            kept.close()
        except Exception:  # noqa: BLE001, S110 - closing a broken connection
            pass


def _send(connection: Any, fields: dict[str, Any]) -> None:
    """``EmailMessage(**fields).send()`` over ``connection``. Over Django's SMTP backend the bytes
    are made by ``core.plainmail`` (the same message without building the MIME objects: about
    a fifth of a worker's CPU per application went to those) and handed to the SMTP connection
    as the backend's ``send_messages`` does — the backend is this thread's own (``_connection``),
    so its lock has nobody to keep out."""
    from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

    from madoguchi.core.plainmail import plain_mail

    mail = plain_mail(**fields) if type(connection) is SMTPBackend else None
    if mail is None:
        EmailMessage(**fields, connection=connection).send(fail_silently=False)
        return
    opened = connection.open()
    if not connection.connection or opened is None:  # failed silently (never: fail_silently=False)
        return
    try:
        connection.connection.sendmail(mail.sender, mail.recipients, mail.data)
    finally:
        if opened:
            connection.close()


def message_id_for(notification_id: str) -> str:
    domain = getattr(settings, "NOTIFICATION_MESSAGE_ID_DOMAIN", "madoguchi.invalid")
    return f"<{notification_id}@{domain}>"


@register("email")
class EmailChannel(NotificationChannel):
    def address_for(self, *, user: User, preference: ContactPreference | None) -> str | None:
        if preference is not None and not preference.email_enabled:
            return None
        return user.email or None

    def send(self, message: OutgoingMessage) -> str:
        fields: dict[str, Any] = {
            "subject": message.subject,
            "body": message.body,
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "to": [message.address],
            "headers": {
                "Message-ID": message_id_for(message.id),
                "X-Madoguchi-Notification": message.id,
                "X-Madoguchi-Event": message.event,
            },
        }
        try:
            connection, reused = _connection()
            try:
                _send(connection, fields)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                if not reused:
                    raise
                # the kept connection was dropped by the server: once more on a new one
                connection, _reused = _connection(fresh=True)
                _send(connection, fields)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            _connection_close()  # do not reuse a connection in an unknown state
            raise DeliveryError(f"SMTP unavailable: {exc}") from exc
        return message_id_for(message.id)
