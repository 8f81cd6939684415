"""The audit app's reactions to events of apps below it (registered in ``AuditConfig.ready``).

``core`` may not import ``audit``; where core does something the audit log must show (a field's
key rotation finished), it emits an event (``madoguchi.core.events``) and the entry is written
here, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from madoguchi.core import events
from madoguchi.core.keyrotation import KEYS_ROTATED


def on_keys_rotated(*, progress: Any, summary: dict[str, Any], **_: Any) -> None:
    from madoguchi.audit.services import audit_record

    audit_record(actor="madoguchi crypto rotate", action=KEYS_ROTATED, target=progress, after=summary)


def register() -> None:
    events.subscribe(KEYS_ROTATED, on_keys_rotated)
