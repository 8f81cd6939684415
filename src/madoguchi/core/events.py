"""A small in-process hook: an app announces that something happened, other apps react.

It exists for the one direction imports may not go. A lower app (``procedures``) must not
import a higher one (``knowledge``), yet the higher one needs to know when the lower one's
content changes. The lower app calls ``emit("procedure.changed", procedure=…)``; the higher
app registers its reaction in its ``AppConfig.ready()`` with ``subscribe``.

- Subscribers run synchronously, in registration order, inside the caller's transaction (so a
  reaction that writes rows commits or rolls back with the change that caused it). Anything
  slow or external must be scheduled by the subscriber itself with ``transaction.on_commit``.
- An event nobody subscribed to is a no-op; ``emit`` returns how many subscribers ran.
- Not Django signals: events are named in one place each (the emitting service), carry
  keyword arguments only, and are for reactions between apps, never for an app's own flow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]

_subscribers: dict[str, list[Handler]] = {}


def subscribe(event: str, handler: Handler) -> None:
    """Register ``handler(**payload)`` for ``event``; registering the same handler twice is a no-op."""
    handlers = _subscribers.setdefault(event, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event: str, handler: Handler) -> None:
    handlers = _subscribers.get(event, [])
    if handler in handlers:
        handlers.remove(handler)


def subscribers(event: str) -> tuple[Handler, ...]:
    return tuple(_subscribers.get(event, ()))


def emit(event: str, **payload: Any) -> int:
    """Call every subscriber of ``event`` with ``payload``; returns how many ran."""
    handlers = subscribers(event)
    for handler in handlers:
        handler(**payload)
    return len(handlers)
