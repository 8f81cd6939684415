"""Every view and export of personal data in the ledger leaves an audit entry (who, which
event, in which role, what was shown and how many people)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.ledger.selectors import EventAccess


def ledger_read_record(
    *, user: User, access: EventAccess, what: str, details: dict[str, Any] | None = None
) -> None:
    """Record a view or an export (``what``: "upload_errors", "people", "export_totals" …)."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action="ledger.exported" if what.startswith("export") else "ledger.viewed",
            target=access.event,
            after={**access.audit_scope(), "what": what, **(details or {})},
        )
