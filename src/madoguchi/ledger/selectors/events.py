"""Events, jobs and uploads as the ledger roles see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from madoguchi.accounts.constants import OrganizationKind
from madoguchi.accounts.models import Organization
from madoguchi.accounts.types import User
from madoguchi.ledger.constants import JobStatus, LedgerRoleKind, PairStatus
from madoguchi.ledger.models import DisasterEvent, EventMunicipality, Job, LedgerRole, Upload


@dataclass
class EventAccess:
    """What one user may do in one event: the prefecture's view, or one municipality's."""

    event: DisasterEvent
    kind: str  # LedgerRoleKind
    organization: Organization
    municipality_ids: list[int] = field(default_factory=list)  # the user's own, for municipality roles

    @property
    def is_prefecture(self) -> bool:
        return self.kind == LedgerRoleKind.PREFECTURE

    def may_upload_for(self, organization_id: int) -> bool:
        return not self.is_prefecture and organization_id in self.municipality_ids

    def audit_scope(self) -> dict[str, Any]:
        return {"event": self.event.pk, "role": self.kind, "organization": self.organization.pk}


def _roles(user: User) -> list[LedgerRole]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(LedgerRole.objects.filter(user=user).select_related("organization"))


def _applies(role: LedgerRole, event: DisasterEvent) -> bool:
    """A role for this event, or the prefecture office's standing role."""
    return role.event_id == event.pk or (role.event_id is None and role.kind == LedgerRoleKind.PREFECTURE)


def access_event(*, user: User, event_id: Any) -> EventAccess:
    """The user's access to the event, or 404 (no ledger role for this event)."""
    try:
        event = DisasterEvent.objects.select_related("prefecture").get(pk=int(event_id))
    except (DisasterEvent.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    roles = [role for role in _roles(user) if _applies(role, event)]
    for role in roles:
        if role.kind == LedgerRoleKind.PREFECTURE and role.organization_id == event.prefecture_id:
            return EventAccess(event=event, kind=role.kind, organization=role.organization)
    participating = set(
        EventMunicipality.objects.filter(event=event).values_list("organization_id", flat=True)
    )
    mine = [r for r in roles if r.kind == LedgerRoleKind.MUNICIPALITY and r.organization_id in participating]
    if not mine:
        raise Http404
    return EventAccess(
        event=event,
        kind=LedgerRoleKind.MUNICIPALITY,
        organization=mine[0].organization,
        municipality_ids=sorted({r.organization_id for r in mine}),
    )


def event_list(*, user: User) -> list[tuple[DisasterEvent, str]]:
    """The events this user has a ledger role in, with the role's kind."""
    roles = _roles(user)
    standing = {r.organization_id for r in roles if r.kind == LedgerRoleKind.PREFECTURE and not r.event_id}
    events: dict[int, tuple[DisasterEvent, str]] = {}
    for event in DisasterEvent.objects.filter(prefecture_id__in=standing):
        events[event.pk] = (event, LedgerRoleKind.PREFECTURE)
    granted = {r.event_id: r for r in roles if r.event_id}
    for event in DisasterEvent.objects.filter(pk__in=list(granted)):
        role = granted[event.pk]
        if role.kind == LedgerRoleKind.PREFECTURE and role.organization_id == event.prefecture_id:
            events[event.pk] = (event, LedgerRoleKind.PREFECTURE)
    participations = set(
        EventMunicipality.objects.filter(event_id__in=list(granted)).values_list(
            "event_id", "organization_id"
        )
    )
    for event in DisasterEvent.objects.filter(pk__in=[pk for pk, _org in participations]):
        if any(
            r.event_id == event.pk
            and r.kind == LedgerRoleKind.MUNICIPALITY
            and (event.pk, r.organization_id) in participations
            for r in roles
        ):
            events.setdefault(event.pk, (event, LedgerRoleKind.MUNICIPALITY))
    return sorted(events.values(), key=lambda pair: (pair[0].occurred_on, pair[0].pk), reverse=True)


def prefectures_of(user: User) -> QuerySet[Organization]:
    """Prefectures whose ledger office this user is (a standing role: may open events)."""
    ids = [r.organization_id for r in _roles(user) if r.kind == LedgerRoleKind.PREFECTURE and not r.event_id]
    return Organization.objects.filter(pk__in=ids)


def event_roles(*, access: EventAccess) -> list[LedgerRole]:
    """Who holds a role for this event (the prefecture's page «担当者»): per-event roles and the
    prefecture office's standing ones."""
    if not access.is_prefecture:
        raise Http404
    event = access.event
    return list(
        LedgerRole.objects.filter(
            Q(event=event)
            | Q(event__isnull=True, kind=LedgerRoleKind.PREFECTURE, organization_id=event.prefecture_id)
        )
        .select_related("user", "organization")
        .order_by("-kind", "organization_id", "id")
    )


def event_overview(*, access: EventAccess) -> dict[str, Any]:
    """The event page: municipalities with their current snapshot, recent jobs, the queue size."""
    event = access.event
    participants = list(
        EventMunicipality.objects.filter(event=event)
        .select_related("organization", "current_upload")
        .order_by("organization_id")
    )
    if not access.is_prefecture:
        participants = [p for p in participants if p.organization_id in access.municipality_ids]
    uploads = Upload.objects.filter(event=event).select_related("organization", "job")
    if not access.is_prefecture:
        uploads = uploads.filter(organization_id__in=access.municipality_ids)
    jobs = Job.objects.filter(event=event, kind="matching").order_by("-created_at")[:3]
    feeds = event.feeds.select_related("procedure__organization")
    if not access.is_prefecture:
        feeds = feeds.filter(procedure__organization_id__in=access.municipality_ids)
    return {
        "participants": participants,
        "uploads": list(uploads.order_by("-created_at")[:10]),
        "matching_jobs": list(jobs) if access.is_prefecture else [],
        "feeds": list(feeds),
        "pending_pairs": event.pairs.filter(status=PairStatus.PENDING).count() if access.is_prefecture else 0,
    }


def access_upload(*, access: EventAccess, upload_id: Any) -> Upload:
    try:
        upload = Upload.objects.select_related("organization", "job").get(
            pk=int(upload_id), event=access.event
        )
    except (Upload.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if not access.is_prefecture and upload.organization_id not in access.municipality_ids:
        raise Http404
    return upload


def access_job(*, access: EventAccess, job_id: Any) -> Job:
    try:
        job = Job.objects.get(pk=int(job_id), event=access.event)
    except (Job.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if not access.is_prefecture and job.organization_id not in access.municipality_ids:
        raise Http404
    return job


def job_progress(job: Job) -> dict[str, Any]:
    """Rows done, errors so far, time left (from the pace so far), as the page and JSON show it."""
    percent = int(job.done * 100 / job.total) if job.total else (100 if job.status == JobStatus.DONE else 0)
    seconds_left = None
    if job.status == JobStatus.RUNNING and job.started_at and job.done and job.total > job.done:
        elapsed = (timezone.now() - job.started_at).total_seconds()
        seconds_left = int(elapsed / job.done * (job.total - job.done))
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "total": job.total,
        "done": job.done,
        "errors": job.errors,
        "percent": min(100, percent),
        "seconds_left": seconds_left,
        "minutes_left": None if seconds_left is None else max(1, round(seconds_left / 60)),
        "message": job.message,
        "running": running,
    }


def municipality_names(event_id: int) -> dict[str, int]:
    """Names of municipalities an address may name (every municipality we know) → id."""
    return dict(Organization.objects.filter(kind=OrganizationKind.MUNICIPALITY).values_list("name", "id"))
