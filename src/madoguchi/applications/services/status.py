"""An application's status as the back office moves it (審査中, 補正, 決定): the only writer of
``Application.status`` and its timeline (``ApplicationEvent``) from outside this app (issue 12)."""

from __future__ import annotations

from django.utils import timezone

from madoguchi.accounts.types import Actor, user_or_none
from madoguchi.applications.constants import DECISION_WORDS, ApplicationStatus
from madoguchi.applications.models import Application, ApplicationEvent
from madoguchi.audit.services import audit_record


def application_status_set(
    *,
    application: Application,
    status: str,
    kind: str,
    message: str,
    actor: Actor,
    public: bool = True,
    wording: str = "",
) -> bool:
    """Set the status (no-op when unchanged), add the timeline event the applicant sees, audit it
    as ``application.<kind>``. Call inside the caller's transaction with the row locked.
    ``wording``: how a decision is worded (constants.DECISION_WORDS), kept with it so the status
    reads as the notice does. Returns whether anything changed."""
    if application.status == status:
        return False
    before = application.status
    application.status = status
    fields = ["status", "updated_at"]
    if status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        application.decided_at = timezone.now()
        application.decision_wording = wording if wording in DECISION_WORDS else ""
        fields += ["decided_at", "decision_wording"]
    application.save(update_fields=fields)
    ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        status=status,
        message=message,
        public=public,
        actor=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        action=f"application.{kind}",
        target=application,
        before={"status": before},
        after={"status": status},
    )
    return True


def application_event_add(
    *, application: Application, kind: str, message: str, actor: Actor
) -> ApplicationEvent:
    """A line on the applicant's timeline without a change of status (a document was issued, …),
    audited as ``application.<kind>``. Call inside the caller's transaction."""
    event = ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        status=application.status,
        message=message,
        public=True,
        actor=user_or_none(actor),
    )
    audit_record(actor=actor, action=f"application.{kind}", target=application, after={"message": message})
    return event
