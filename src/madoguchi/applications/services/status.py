"""An application's status as the back office moves it (審査中, 補正, 決定): the only writer of
``Application.status`` and its timeline (``ApplicationEvent``) from outside this app (issue 12)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from madoguchi.accounts.types import Actor, user_or_none
from madoguchi.applications.constants import DECISION_WORDS, ApplicationStatus
from madoguchi.applications.models import Application, ApplicationEvent
from madoguchi.applications.timeline import Line
from madoguchi.audit.services import audit_record


def event_texts(message: Line) -> dict[str, Any]:
    """The fields of an ``ApplicationEvent`` that say what its line says: the ``Line``'s message
    id and values (shown in the reader's language) and, for the record, the line in Japanese.
    A text already translated (``_("…") % …``) is refused: it would freeze the writer's
    language (what a person typed goes in as a value: ``Line(gettext_noop("…%(reason)s"), …)``)."""
    if not isinstance(message, Line):
        raise TypeError("a timeline line is an applications.timeline.Line (message id and values)")
    return {
        "message": message.render(settings.LANGUAGE_CODE),
        "text_id": message.text_id,
        "params": message.params,
    }


def application_status_set(
    *,
    application: Application,
    status: str,
    kind: str,
    message: Line,
    actor: Actor,
    public: bool = True,
    wording: str = "",
) -> bool:
    """Set the status (no-op when unchanged), add the timeline event the applicant sees, audit it
    as ``application.<kind>``. Call inside the caller's transaction with the row locked.
    ``message``: the line, a ``timeline.Line`` (shown in the reader's language).
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
        public=public,
        actor=user_or_none(actor),
        **event_texts(message),
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
    *, application: Application, kind: str, message: Line, actor: Actor
) -> ApplicationEvent:
    """A line on the applicant's timeline without a change of status (a document was issued, …),
    audited as ``application.<kind>``. Call inside the caller's transaction."""
    event = ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        status=application.status,
        public=True,
        actor=user_or_none(actor),
        **event_texts(message),
    )
    audit_record(
        actor=actor, action=f"application.{kind}", target=application, after={"message": event.message}
    )
    return event
