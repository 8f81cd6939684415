"""What "purging" an application removes, app by app (called inside one transaction per application).

Kept: the ``Application`` row with its organization, procedure, version, channel, status,
受付番号 and dates; the review ``Case`` with its route, dates and outcome; the ``Decision``
with its outcome and who decided; audit entries without their payload. So counts per
procedure, month, channel and outcome — and the 電子決定率 — stay exact.

Removed: the form data, attachments (files deleted from storage), the draft, data revisions,
comments and messages, the signed notice's PDF bytes (its SHA-256 stays), the paper
decision's scan, notifications and mailbox messages about the application, the audit
payloads of the application and its case; the applicant becomes the "purged" placeholder user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

from madoguchi.applications.models import Application

PURGED_EMAIL = "purged-applicant@madoguchi.invalid"


def purged_placeholder_user() -> Any:
    """One inactive user that owns every purged application (the applicant link is personal data)."""
    from madoguchi.accounts.models import User

    user = User.objects.filter(email=PURGED_EMAIL).first()
    if user is None:
        user = User.objects.create_user(PURGED_EMAIL, is_active=False)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _delete_file(field_file: Any) -> None:
    if field_file and field_file.name:
        field_file.storage.delete(field_file.name)


def _applications(application: Application, counts: dict[str, int]) -> None:
    from madoguchi.applications.models import ApplicationEvent, Attachment, Draft

    for attachment in Attachment.objects.filter(application=application):
        _delete_file(attachment.file)
        attachment.delete()
        counts["attachments"] = counts.get("attachments", 0) + 1
    counts["drafts"] = counts.get("drafts", 0) + Draft.objects.filter(application=application).delete()[0]
    # a line's values may hold what people typed (a 補正 request, a withdrawal's reason)
    ApplicationEvent.objects.filter(application=application).exclude(message="").update(
        message="", text_id="", params={}
    )


def _review(application: Application, counts: dict[str, int]) -> list[tuple[str, str]]:
    from madoguchi.review.models import (
        Case,
        Comment,
        CorrectionRequest,
        DataRevision,
        Decision,
        Notice,
        PaperDecision,
        TaskState,
    )

    DataRevision.objects.filter(application=application).delete()
    CorrectionRequest.objects.filter(application=application).update(message="")
    case = Case.objects.filter(application=application).first()
    if case is None:
        return []
    Case.objects.filter(pk=case.pk).update(applicant_label="")
    Comment.objects.filter(case=case).update(body="")
    TaskState.objects.filter(case=case).exclude(comment="").update(comment="")
    Decision.objects.filter(case=case).update(reason="")
    Notice.objects.filter(case=case).update(pdf=b"")
    for paper in PaperDecision.objects.filter(case=case):
        _delete_file(paper.scan)
        PaperDecision.objects.filter(pk=paper.pk).update(scan="", original_name="")
    return [(Case._meta.label_lower, str(case.pk))]


def _notifications(application: Application, counts: dict[str, int]) -> None:
    from madoguchi.notifications.models import MailboxMessage, Notification

    notifications = Notification.objects.filter(dedupe_key__startswith=f"application:{application.pk}:")
    for message in MailboxMessage.objects.filter(notification__in=notifications):
        _delete_file(message.file)
        message.delete()
    counts["notifications"] = counts.get("notifications", 0) + notifications.delete()[0]


def _counter(application: Application, counts: dict[str, int]) -> None:
    from madoguchi.counter.models import CounterVisit

    CounterVisit.objects.filter(application=application).update(
        visitor_name="", identity_note="", visitor=purged_placeholder_user()
    )


# Each part removes what its app keeps about one application; returns extra audit targets.
PARTS: list[Callable[[Application, dict[str, int]], Any]] = [_applications, _review, _notifications, _counter]


def application_purge_data(application: Application) -> dict[str, int]:
    """Remove the personal data of ``application`` everywhere; returns counts of what went."""
    from madoguchi.audit.models import AuditEntry
    from madoguchi.audit.services import audit_redact

    counts: dict[str, int] = {}
    targets = [(Application._meta.label_lower, str(application.pk))]
    for part in PARTS:
        targets += part(application, counts) or []
    query = Q(pk__in=[])
    for target_type, target_id in targets:
        query |= Q(target_type=target_type, target_id=target_id)
    redacted, legacy = audit_redact(entries=AuditEntry.objects.filter(query))
    counts["audit_entries_redacted"] = redacted
    counts["audit_entries_kept_whole"] = legacy
    Application.objects.filter(pk=application.pk).update(
        data={},
        principal_name="",
        applicant=purged_placeholder_user(),
        idempotency_key=f"purged:{application.pk}",
    )
    return counts
