"""The one interface every notification channel implements, and its registry.

A channel *kind* (``email``, ``line``, ``webhook``, ``mailbox``) can have several
implementations — the real one and a development one that writes somewhere inspectable.
``settings.NOTIFICATION_CHANNEL_BACKENDS`` picks one per kind (default: ``"default"``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings

if TYPE_CHECKING:
    from madoguchi.accounts.models import User
    from madoguchi.notifications.models import ContactPreference


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel needs to send one notification; built from the outbox row."""

    id: str  # the notification id: receivers use it to drop duplicates
    kind: str
    event: str
    address: str
    subject: str
    body: str
    language: str = "ja"
    recipient_key: str = ""
    recipient_id: int | None = None
    organization_id: int | None = None
    organization_slug: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""


class DeliveryError(Exception):
    """Sending failed. ``permanent`` failures are not retried (e.g. address refused)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class NotificationChannel(ABC):
    kind: ClassVar[str]
    implementation: ClassVar[str]
    # Only the mailbox may carry sensitive content; e-mail and LINE get a notice with a link.
    carries_sensitive_content: ClassVar[bool] = False
    # True when the channel sends to a person (address from their settings), False for systems.
    personal: ClassVar[bool] = True

    # True for a channel that delivers by writing rows in our own database (the mailbox): it
    # can deliver many messages in the caller's transaction (``send_many``), so the outbox marks
    # them sent in that same transaction — all or nothing, nothing ever in flight.
    writes_in_transaction: ClassVar[bool] = False

    def address_for(self, *, user: User, preference: ContactPreference | None) -> str | None:
        """The address to use for this user, or None when they do not receive on this channel."""
        return None

    def send_many(self, messages: list[OutgoingMessage]) -> None:
        """Deliver several messages inside the caller's transaction (``writes_in_transaction``
        channels only; idempotent per message id like ``send``). Raises on any failure."""
        raise NotImplementedError(f"{type(self).__name__} sends one message at a time")

    @abstractmethod
    def send(self, message: OutgoingMessage) -> str:
        """Send once. Return a short provider reference; raise DeliveryError on failure."""


REGISTRY: dict[tuple[str, str], type[NotificationChannel]] = {}


def register(kind: str, implementation: str = "default"):
    def decorator(cls: type[NotificationChannel]) -> type[NotificationChannel]:
        key = (kind, implementation)
        if key in REGISTRY:
            raise ValueError(f"channel {key} registered twice")
        cls.kind, cls.implementation = kind, implementation
        REGISTRY[key] = cls
        return cls

    return decorator


def get_channel(kind: str) -> NotificationChannel:
    implementation = getattr(settings, "NOTIFICATION_CHANNEL_BACKENDS", {}).get(kind, "default")
    try:
        return REGISTRY[(kind, implementation)]()
    except KeyError:
        raise LookupError(f"no channel implementation {implementation!r} for {kind!r}") from None


def http_timeout() -> float:
    return float(getattr(settings, "NOTIFICATION_SEND_TIMEOUT", 10))
