"""LINE Messaging API push messages.

``default``: the real HTTP client (POST /v2/bot/message/push with the channel access token;
the notification id is sent as ``X-Line-Retry-Key`` so LINE itself drops a duplicate
resend and answers 409). ``dev``: writes the message to DevOutboxMessage instead.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings

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


LINE_TEXT_LIMIT = 5000


def line_text(message: OutgoingMessage) -> str:
    text = f"{message.subject}\n\n{message.body}"
    return text if len(text) <= LINE_TEXT_LIMIT else text[: LINE_TEXT_LIMIT - 1] + "…"


class _LineBase(NotificationChannel):
    def address_for(self, *, user: User, preference: ContactPreference | None) -> str | None:
        if preference is None or not preference.line_enabled or not preference.line_user_id:
            return None
        return preference.line_user_id


@register("line")
class LineMessagingChannel(_LineBase):
    def send(self, message: OutgoingMessage) -> str:
        token = getattr(settings, "LINE_CHANNEL_ACCESS_TOKEN", "")
        if not token:
            raise DeliveryError("LINE_CHANNEL_ACCESS_TOKEN is not set", permanent=True)
        base = getattr(settings, "LINE_API_BASE", "https://api.line.me").rstrip("/")
        body = json.dumps(
            {"to": message.address, "messages": [{"type": "text", "text": line_text(message)}]},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            f"{base}/v2/bot/message/push",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {token}",
                "X-Line-Retry-Key": message.id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=http_timeout()) as response:  # noqa: S310
                return response.headers.get("x-line-request-id", "") or str(response.status)
        except urllib.error.HTTPError as exc:
            if exc.code == 409:  # accepted before under the same retry key: already delivered
                return "duplicate-accepted"
            permanent = 400 <= exc.code < 500 and exc.code != 429
            raise DeliveryError(f"LINE HTTP {exc.code}", permanent=permanent) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"LINE unavailable: {exc}") from exc


@register("line", "dev")
class LineDevChannel(_LineBase):
    def send(self, message: OutgoingMessage) -> str:
        from madoguchi.notifications.models import DevOutboxMessage

        row = DevOutboxMessage.objects.create(
            channel="line",
            to=message.address,
            subject=message.subject,
            body=line_text(message),
            headers={"X-Line-Retry-Key": message.id},
        )
        return f"dev:{row.pk}"
