"""Notification channels. Importing this package registers every implementation."""

from madoguchi.notifications.channels import email, line, mailbox, webhook  # noqa: F401
from madoguchi.notifications.channels.base import (
    REGISTRY,
    DeliveryError,
    NotificationChannel,
    OutgoingMessage,
    get_channel,
    register,
)

__all__ = ["REGISTRY", "DeliveryError", "NotificationChannel", "OutgoingMessage", "get_channel", "register"]
