"""How applications reach the back office without importing it (issue 12, "Boundaries").

The back office (``review``) sits above ``applications`` and registers its implementation at
start-up (``review/apps.py`` → ``review/backoffice.py``). Without one registered (an
installation without the back office, some unit tests) opening a case does nothing and the
status page shows no notices or corrections.
"""

from __future__ import annotations

from typing import Any, Protocol

from madoguchi.accounts.types import Actor
from madoguchi.applications.models import Application


class BackOffice(Protocol):
    def case_open(self, *, application: Application, actor: Actor) -> None:
        """Open the review case of a submitted application (idempotent)."""

    def cases_open(self, *, openings: list[tuple[Application, Actor]]) -> dict[Any, Exception]:
        """Open the cases of several submitted applications at once, each with its actor
        (idempotent; a batch of follow-ups). Returns the applications whose case could not be
        opened, with why — nothing of those was written."""

    def case_close_withdrawn(self, *, application: Application, actor: Actor) -> None:
        """The applicant withdrew: close the case and cancel its pending tasks."""

    def decision_notices(self, *, application: Application) -> list[dict[str, Any]]:
        """The applicant's signed notices: ``{"title", "url", "created_at", "held"}``. A notice
        not handed over yet (its fee unpaid) has no ``url`` and ``held``: ``{"message",
        "amount", "due_on", "pay_url"}`` — what to do to receive it."""

    def open_correction(self, *, application: Application) -> dict[str, str] | None:
        """An open 補正 request: ``{"message", "url"}``, else None."""

    def issued_documents(self, *, application: Application) -> list[dict[str, Any]]:
        """Documents issued before the decision (a 受験票): ``{"title", "number", "url", "created_at"}``."""


class _NoBackOffice:
    def case_open(self, *, application: Application, actor: Actor) -> None:
        return None

    def cases_open(self, *, openings: list[tuple[Application, Actor]]) -> dict[Any, Exception]:
        return {}

    def case_close_withdrawn(self, *, application: Application, actor: Actor) -> None:
        return None

    def decision_notices(self, *, application: Application) -> list[dict[str, Any]]:
        return []

    def open_correction(self, *, application: Application) -> dict[str, str] | None:
        return None

    def issued_documents(self, *, application: Application) -> list[dict[str, Any]]:
        return []


_registered: list[BackOffice] = []


def backoffice_register(implementation: BackOffice) -> None:
    """Called once by the back office app's ``ready()``; a second call replaces the first."""
    _registered[:] = [implementation]


def backoffice() -> BackOffice:
    return _registered[0] if _registered else _NoBackOffice()
