"""Retention (保存年限) and legal holds (訴訟ホールド): the daily run and the staff actions.

``retention_run`` (beat ``retention.daily``, ``madoguchi retention run``) does, in order:

1. applications whose procedure's 保存年限 has passed since their decision (or withdrawal)
   date, that are not on an active legal hold and not already purged: their personal data
   is removed (``purge.application_purge_data``), one transaction each, audited;
2. drafts never submitted and untouched for ``RETENTION_DRAFT_DAYS``, and uploads never
   attached to an application for as long: deleted (files too), counted in ``DeletedCount``;
3. delivery records, development mail and expired sign-in carries past their own limits,
   bookings and lottery entries ``RESERVATIONS_RETENTION_DAYS`` after their slot ended
   (anonymized: the person and what they typed go, the counts stay), and verified profiles
   from identity providers no session can use any more
   (``accounts.oidc.services.identity_profiles_expire``).

``dry_run`` reports the same numbers and changes nothing. A run is safe to repeat: what was
done is not done again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Membership
from madoguchi.accounts.types import User
from madoguchi.applications.constants import FINAL, ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.procedures.constants import RETENTION_YEARS
from madoguchi.retention.models import DeletedCount, LegalHold, PurgedApplication
from madoguchi.retention.purge import application_purge_data

HOLD_ROLES = (Role.ADMIN, Role.AUDITOR)


# ---------------------------------------------------------------------------- legal holds


def may_hold(user: User, organization_id: int) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and Membership.objects.filter(
            user=user, organization_id=organization_id, role__in=HOLD_ROLES
        ).exists()
    )


def _reason(value: str, field_name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise FieldErrors({field_name: [_("理由を入力してください。")]})
    if len(text) > 2000:
        raise FieldErrors({field_name: [_("理由は2000文字以内で入力してください。")]})
    return text


def legal_hold_set(*, actor: User, application: Application, reason: str) -> LegalHold:
    """Put ``application`` on legal hold: retention will not purge it until the hold is cleared."""
    if not may_hold(actor, application.organization_id):
        raise PermissionDeniedError(_("訴訟ホールドを設定できるのは管理者と監査担当です。"))
    text = _reason(reason, "reason")
    with transaction.atomic():
        Application.objects.select_for_update().filter(pk=application.pk).first()
        if LegalHold.objects.filter(application=application, cleared_at__isnull=True).exists():
            raise DomainError(_("この申請はすでに訴訟ホールド中です。"))
        if PurgedApplication.objects.filter(application=application).exists():
            raise DomainError(_("この申請は保存期間の満了により個人情報を消去済みです。"))
        hold = LegalHold.objects.create(
            application=application, reason=text, set_by=actor, set_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="application.legal_hold_set",
            target=application,
            after={"hold": hold.pk, "reason": text},
        )
    return hold


def legal_hold_clear(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    """Lift a hold; retention then applies again from the next daily run."""
    if not may_hold(actor, hold.application.organization_id):
        raise PermissionDeniedError(_("訴訟ホールドを解除できるのは管理者と監査担当です。"))
    text = _reason(reason, "clear_reason")
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if locked.cleared_at is not None:
            raise DomainError(_("この訴訟ホールドはすでに解除されています。"))
        locked.cleared_by, locked.cleared_at, locked.clear_reason = actor, timezone.now(), text
        locked.save(update_fields=["cleared_by", "cleared_at", "clear_reason"])
        audit_record(
            actor=actor,
            action="application.legal_hold_cleared",
            target=locked.application,
            before={"hold": locked.pk},
            after={"reason": text},
        )
    return locked


# ---------------------------------------------------------------------------- the daily run


def closed_at(application: Application) -> datetime | None:
    """The date retention counts from: the decision, or the withdrawal (its last change)."""
    if application.decided_at:
        return application.decided_at
    if application.status == ApplicationStatus.WITHDRAWN:
        return application.updated_at
    return None


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def due_applications(*, now: datetime) -> list[Application]:
    """Closed applications past their procedure's 保存年限, not held, not yet purged."""
    candidates = (
        Application.objects.filter(status__in=FINAL)
        .exclude(procedure__retention_period="permanent")
        .exclude(purge_record__isnull=False)
        .exclude(pk__in=LegalHold.objects.filter(cleared_at__isnull=True).values("application_id"))
        .select_related("procedure")
        .order_by("submitted_at")
    )
    # A cheap bound first: nothing decided within the shortest period can be due.
    oldest_possible = _add_years(now, -min(RETENTION_YEARS.values()))
    candidates = candidates.filter(Q(decided_at__lte=oldest_possible) | Q(decided_at__isnull=True))
    due = []
    for application in candidates.iterator(chunk_size=500):
        start = closed_at(application)
        years = RETENTION_YEARS.get(application.procedure.retention_period)
        if start is not None and years is not None and _add_years(start, years) <= now:
            due.append(application)
    return due


@dataclass
class RetentionReport:
    now: datetime
    dry_run: bool
    applications_purged: int = 0
    applications_held: int = 0  # due, but on legal hold
    purged: Counter = field(default_factory=Counter)  # what went with them
    drafts_deleted: int = 0
    uploads_deleted: int = 0
    other: dict[str, int] = field(default_factory=dict)
    by_procedure: Counter = field(default_factory=Counter)  # procedure title → applications purged

    def lines(self) -> list[str]:
        verb = "would" if self.dry_run else "did"
        lines = [
            f"retention run at {timezone.localtime(self.now):%Y-%m-%d %H:%M} ({'dry run' if self.dry_run else 'for real'})",
            f"applications past their retention period: {self.applications_purged} "
            f"({verb} purge), on legal hold: {self.applications_held}",
        ]
        lines += [f"  {title}: {n}" for title, n in sorted(self.by_procedure.items())]
        lines += [f"  {name}: {n}" for name, n in sorted(self.purged.items())]
        lines.append(
            f"unsubmitted drafts deleted: {self.drafts_deleted}; unattached uploads: {self.uploads_deleted}"
        )
        lines += [f"{name}: {n}" for name, n in sorted(self.other.items())]
        return lines


def _month(moment: datetime) -> date:
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def _count_deleted(kind: str, rows: list[tuple[Any, Any, datetime]]) -> None:
    totals = Counter(
        (organization_id, procedure_id, _month(at)) for organization_id, procedure_id, at in rows
    )
    for (organization_id, procedure_id, month), n in totals.items():
        row, _ = DeletedCount.objects.get_or_create(
            kind=kind, organization_id=organization_id, procedure_id=procedure_id, month=month
        )
        DeletedCount.objects.filter(pk=row.pk).update(count=row.count + n)


def _held_count(now: datetime) -> int:
    held = Application.objects.filter(
        status__in=FINAL, pk__in=LegalHold.objects.filter(cleared_at__isnull=True).values("application_id")
    ).exclude(procedure__retention_period="permanent")
    count = 0
    for application in held.select_related("procedure"):
        start = closed_at(application)
        years = RETENTION_YEARS.get(application.procedure.retention_period)
        if start is not None and years is not None and _add_years(start, years) <= now:
            count += 1
    return count


def retention_run(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """The daily lifecycle job. See the module docstring."""
    from madoguchi.applications.models import Attachment, Draft

    now = now or timezone.now()
    report = RetentionReport(now=now, dry_run=dry_run)
    report.applications_held = _held_count(now)
    for application in due_applications(now=now):
        report.applications_purged += 1
        report.by_procedure[application.procedure.title] += 1
        if dry_run:
            continue
        with transaction.atomic():
            locked = Application.objects.select_for_update().filter(pk=application.pk).first()
            if (
                locked is None
                or LegalHold.objects.filter(application=locked, cleared_at__isnull=True).exists()
            ):
                report.applications_purged -= 1  # held or gone since the list was made
                continue
            start = closed_at(locked)
            if start is None:  # not decided nor withdrawn: never due (the list holds closed ones only)
                report.applications_purged -= 1
                continue
            counts = application_purge_data(locked)
            report.purged.update(counts)
            PurgedApplication.objects.create(
                application=locked,
                closed_at=start,
                retention_period=application.procedure.retention_period,
                purged_at=now,
            )
            audit_record(
                actor="retention",
                action="application.purged",
                target=locked,
                after={"retention_period": application.procedure.retention_period, **counts},
            )

    draft_days = int(getattr(settings, "RETENTION_DRAFT_DAYS", 90))
    stale = now - timedelta(days=draft_days)
    drafts = Draft.objects.filter(application__isnull=True, updated_at__lt=stale)
    # An old upload may still belong to a draft in use: keep uploads of anyone with a live draft.
    live_draft = Draft.objects.filter(
        applicant=OuterRef("owner"), application__isnull=True, updated_at__gte=stale
    )
    uploads = Attachment.objects.filter(application__isnull=True, created_at__lt=stale).exclude(
        Exists(live_draft)
    )
    report.drafts_deleted = drafts.count()
    report.uploads_deleted = uploads.count()
    if not dry_run:
        with transaction.atomic():
            rows = list(
                drafts.values_list(
                    "version__procedure__organization_id", "version__procedure_id", "created_at"
                )
            )
            _count_deleted("draft", rows)
            drafts.delete()
            for upload in uploads:
                if upload.file and upload.file.name:
                    upload.file.storage.delete(upload.file.name)
            _count_deleted(
                "upload", [(None, None, at) for at in uploads.values_list("created_at", flat=True)]
            )
            uploads.delete()
            if report.drafts_deleted or report.uploads_deleted:
                audit_record(
                    actor="retention",
                    action="retention.drafts_deleted",
                    target="retention",
                    after={
                        "drafts": report.drafts_deleted,
                        "uploads": report.uploads_deleted,
                        "days": draft_days,
                    },
                )
        report.other.update(_purge_logs(now))
    return report


def _purge_logs(now: datetime) -> dict[str, int]:
    """Rows with their own, shorter limits: delivery records, dev mail, sign-in carries."""
    from madoguchi.accounts.models import SignInCarry
    from madoguchi.accounts.oidc.services import identity_profiles_expire
    from madoguchi.core.models import DevMail
    from madoguchi.notifications.services import notifications_purge
    from madoguchi.reservations.services import reservations_purge

    result = {f"notifications: {k}": v for k, v in notifications_purge(now=now).items()}
    result["dev mail deleted"] = DevMail.objects.filter(sent_at__lt=now - timedelta(days=30)).delete()[0]
    carry_age = timedelta(seconds=int(getattr(settings, "LOGIN_LINK_MAX_AGE", 1800)))
    result["sign-in carries deleted"] = SignInCarry.objects.filter(created_at__lt=now - carry_age).delete()[0]
    result.update({f"reservations: {k}": v for k, v in reservations_purge(now=now).items()})
    result["verified profiles cleared"] = identity_profiles_expire(now=now)
    return result
