"""Signed webhooks for other systems of the organization.

Body: JSON. Headers: ``X-Madoguchi-Event``, ``X-Madoguchi-Delivery`` (the notification id;
receivers drop repeats), ``X-Madoguchi-Timestamp`` and ``X-Madoguchi-Signature:
sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``. See docs/notifications.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from madoguchi.notifications.channels.base import (
    DeliveryError,
    NotificationChannel,
    OutgoingMessage,
    http_timeout,
    register,
)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def webhook_request(message: OutgoingMessage) -> tuple[bytes, dict[str, str]]:
    from madoguchi.notifications.models import WebhookEndpoint

    endpoint_id = message.recipient_key.removeprefix("webhook:")
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None or not endpoint.active:
        raise DeliveryError("webhook endpoint removed or disabled", permanent=True)
    body = json.dumps(
        {
            "id": message.id,
            "event": message.event,
            "organization": message.organization_slug,
            "created_at": message.created_at,
            **message.payload,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Madoguchi-Webhook/1",
        "X-Madoguchi-Event": message.event,
        "X-Madoguchi-Delivery": message.id,
        "X-Madoguchi-Timestamp": timestamp,
        "X-Madoguchi-Signature": sign(endpoint.secret, timestamp, body),
    }
    return body, headers


@register("webhook")
class WebhookChannel(NotificationChannel):
    personal = False

    def send(self, message: OutgoingMessage) -> str:
        body, headers = webhook_request(message)
        request = urllib.request.Request(message.address, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=http_timeout()) as response:  # noqa: S310
                return str(response.status)
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 409, 429)
            raise DeliveryError(f"webhook HTTP {exc.code}", permanent=permanent) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"webhook unreachable: {exc}") from exc


@register("webhook", "dev")
class WebhookDevChannel(NotificationChannel):
    personal = False

    def send(self, message: OutgoingMessage) -> str:
        from madoguchi.notifications.models import DevOutboxMessage

        body, headers = webhook_request(message)
        row = DevOutboxMessage.objects.create(
            channel="webhook", to=message.address, subject=message.event, body=body.decode(), headers=headers
        )
        return f"dev:{row.pk}"
