"""After the submission: the follow-up (review case, receipt notice) with its sweeper, and
withdrawal by the applicant."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.types import Actor, User
from madoguchi.applications.constants import WITHDRAWABLE, ApplicationStatus
from madoguchi.applications.models import Application, ApplicationEvent
from madoguchi.audit.services import audit_batch, audit_record
from madoguchi.core.errors import DomainError

logger = logging.getLogger(__name__)


def _notify_submitted(application: Application) -> None:
    """Outbox rows for the receipt notice, written in the submitting transaction."""
    from django.conf import settings
    from django.urls import reverse

    from madoguchi.notifications.services import notification_enqueue

    procedure = application.procedure
    notification_enqueue(
        recipient=application.applicant,
        event="application.submitted",
        organization=procedure.organization,
        context={
            "reference_number": application.reference_number,
            "procedure_title": procedure.title,
            "application_url": settings.SITE_URL + reverse("applications:detail", args=[application.pk]),
        },
        dedupe_key=f"application:{application.pk}",
        department_id=procedure.department_id,
    )


def application_follow_up(*, application_id: Any, actor: Actor = None) -> bool:
    """Do the work that follows a submission, exactly once: open the review case (route,
    deadline, first tasks) and write the receipt notice to the outbox.

    It runs in its own transaction right after the submission commits (a Celery task, eager in
    the embedded set-up), so the submission itself stays short; ``applications_follow_up_sweep``
    catches up with any that a crash or a broker outage left behind. Returns False when there
    was nothing to do (already done, or no such application).
    """
    from madoguchi.applications.backoffice import backoffice

    # audit_batch: the case's audit entries are chained at the end, so the chain head (locked
    # by every audited change) is held for the last statements only, not the whole follow-up.
    with transaction.atomic(), audit_batch():
        try:
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("procedure__organization", "applicant", "entered_by", "version")
                .get(pk=application_id)
            )
        except (Application.DoesNotExist, ValueError, ValidationError):
            return False
        if application.followed_up_at is not None:
            return False
        _notify_submitted(application)
        backoffice().case_open(
            application=application, actor=actor or application.entered_by or application.applicant
        )
        if application.status == ApplicationStatus.WITHDRAWN:  # withdrawn before this ran
            backoffice().case_close_withdrawn(application=application, actor=actor or application.applicant)
        application.followed_up_at = timezone.now()
        application.save(update_fields=["followed_up_at"])
    return True


def application_follow_up_dispatch(application_id: Any) -> None:
    """Hand the follow-up to Celery after commit. A broker failure only logs: the sweeper
    (beat, or ``madoguchi applications sweep``) does it later."""
    from madoguchi.applications.tasks import application_follow_up_task

    try:
        application_follow_up_task.apply_async(args=[str(application_id)])
    except Exception:  # noqa: BLE001 - broker down, or an eager follow-up that failed
        logger.exception("could not follow up application %s; the sweeper will", application_id)


def applications_follow_up_sweep(*, grace_seconds: float | None = None, limit: int = 1000) -> dict[str, int]:
    """Follow up applications whose follow-up has not happened ``grace_seconds`` after they
    were submitted (the process died after the commit, the broker was down, a worker crashed)."""
    from django.conf import settings

    grace = grace_seconds if grace_seconds is not None else settings.APPLICATION_FOLLOW_UP_GRACE_SECONDS
    cutoff = timezone.now() - timedelta(seconds=grace)
    pending = list(
        Application.objects.filter(followed_up_at__isnull=True, submitted_at__lte=cutoff)
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = failed = 0
    for application_id in pending:
        try:
            done += application_follow_up(application_id=application_id)
        except Exception:  # noqa: BLE001 - one bad application must not stop the others
            failed += 1
            logger.exception("follow-up of application %s failed", application_id)
    return {"pending": len(pending), "done": done, "failed": failed}


def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.applicant_id != getattr(actor, "pk", None):
            raise DomainError(_("この申請を取り下げることはできません。"), code="forbidden", status=403)
        if locked.status == ApplicationStatus.WITHDRAWN:
            return locked
        if locked.status not in WITHDRAWABLE:
            raise DomainError(_("決定済みの申請は取り下げられません。"), code="already_decided")
        before = {"status": locked.status}
        locked.status = ApplicationStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        ApplicationEvent.objects.create(
            application=locked,
            kind="withdrawn",
            status=ApplicationStatus.WITHDRAWN,
            message=(
                _("申請者が取り下げました。") + (f"（{reason.strip()[:500]}）" if reason.strip() else "")
            ),
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="application.withdrawn",
            target=locked,
            before=before,
            after={"status": locked.status},
        )
        from madoguchi.applications.backoffice import backoffice

        backoffice().case_close_withdrawn(application=locked, actor=actor)
    return locked
