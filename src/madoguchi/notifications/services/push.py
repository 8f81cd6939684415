"""Segment push: an information notice to everyone in a segment, throttled and resumable.

Each step takes the next ``rate_per_minute × step / 60`` people after ``cursor`` (user ids
ascending), writes their notifications and moves the cursor in one transaction. The
dedupe key ``push:<campaign id>`` makes a repeated step harmless, so a crash, a pause or
a stalled worker never sends anyone the notice twice.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.notifications.constants import CampaignStatus
from madoguchi.notifications.models import ContactPreference, PushCampaign, WebhookEndpoint
from madoguchi.notifications.segments import segment_clean, segment_users
from madoguchi.notifications.services.enqueue import notification_enqueue


def step_seconds() -> float:
    return float(getattr(settings, "NOTIFICATION_PUSH_STEP_SECONDS", 10))


def _lease() -> timedelta:
    """How long one step may hold the campaign (the same lease as one notification send)."""
    return timedelta(
        seconds=max(float(getattr(settings, "NOTIFICATION_LEASE_SECONDS", 30)), step_seconds() * 3)
    )


def push_recipient_count(*, organization: Organization, segment: dict[str, Any]) -> int:
    return segment_users(organization=organization, segment=segment_clean(segment)).count()


def push_campaign_create(
    *,
    organization: Organization,
    actor: User,
    title: str,
    body: str,
    segment: dict[str, Any],
    rate_per_minute: Any = 600,
) -> PushCampaign:
    errors: dict[str, list[str]] = {}
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = [_("件名を入力してください。")]
    elif len(title) > 200:
        errors["title"] = [_("件名は200文字以内で入力してください。")]
    if not body:
        errors["body"] = [_("本文を入力してください。")]
    try:
        rate = int(str(rate_per_minute).strip())
        if not 1 <= rate <= 100000:
            raise ValueError
    except ValueError:
        errors["rate_per_minute"] = [_("1分あたりの送信数は1〜100000の数字で入力してください。")]
        rate = 0
    try:
        cleaned = segment_clean(segment)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        campaign = PushCampaign.objects.create(
            organization=organization,
            created_by=actor,
            title=title,
            body=body,
            segment=cleaned,
            rate_per_minute=rate,
        )
        audit_record(
            actor=actor,
            action="push_campaign.created",
            target=campaign,
            after={"title": title, "segment": cleaned},
        )
    return campaign


def push_campaign_start(*, campaign: PushCampaign, actor: User) -> PushCampaign:
    """Start (or resume after a pause). The recipient count is fixed at the first start."""
    with transaction.atomic():
        locked = PushCampaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status not in (CampaignStatus.DRAFT, CampaignStatus.PAUSED):
            raise DomainError(_("この配信はすでに送信中か、送信が終わっています。"), code="not_startable")
        before = {"status": locked.status}
        if locked.status == CampaignStatus.DRAFT:
            locked.recipient_total = segment_users(
                organization=locked.organization, segment=locked.segment
            ).count()
            locked.started_at = timezone.now()
        locked.status = CampaignStatus.SENDING
        locked.lease_until = None
        locked.save(update_fields=["status", "recipient_total", "started_at", "lease_until"])
        audit_record(
            actor=actor,
            action="push_campaign.started",
            target=locked,
            before=before,
            after={"status": locked.status, "recipients": locked.recipient_total},
        )
        transaction.on_commit(lambda: push_campaign_enqueue(locked.pk))
    return locked


def push_campaign_pause(*, campaign: PushCampaign, actor: User) -> PushCampaign:
    with transaction.atomic():
        locked = PushCampaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.SENDING:
            raise DomainError(_("送信中の配信だけを一時停止できます。"), code="not_sending")
        locked.status = CampaignStatus.PAUSED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="push_campaign.paused",
            target=locked,
            before={"status": CampaignStatus.SENDING},
            after={"status": locked.status, "processed": locked.processed},
        )
    return locked


def push_campaign_enqueue(campaign_id: uuid.UUID | str, countdown: float | None = None) -> None:
    """Queue the campaign's next sending step (the task `notifications.push_step`)."""
    from madoguchi.notifications.tasks import push_campaign_step_task

    if countdown:
        push_campaign_step_task.apply_async(args=[str(campaign_id)], countdown=countdown)
    else:
        push_campaign_step_task.apply_async(args=[str(campaign_id)])


def push_campaign_step(*, campaign_id: uuid.UUID | str, now: dt.datetime | None = None) -> float | None:
    """Send to the next chunk. Returns seconds until the next step, or None when finished
    (or paused, or another worker holds the step)."""
    now = now or timezone.now()
    lease = _lease()
    claimed = (
        PushCampaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + lease)
    )
    if not claimed:
        return None
    campaign = PushCampaign.objects.select_related("organization").get(pk=campaign_id)
    chunk = max(1, math.ceil(campaign.rate_per_minute * step_seconds() / 60))
    users = list(
        segment_users(organization=campaign.organization, segment=campaign.segment).filter(
            pk__gt=campaign.cursor
        )[:chunk]
    )
    preferences = {p.user_id: p for p in ContactPreference.objects.filter(user__in=users)}
    webhooks = list(WebhookEndpoint.objects.filter(organization=campaign.organization, active=True))
    with transaction.atomic():
        for user in users:
            notification_enqueue(
                recipient=user,
                event="push.information",
                organization=campaign.organization,
                context={"title": campaign.title, "body": campaign.body},
                dedupe_key=f"push:{campaign.pk}",
                preference=preferences.get(user.pk) or ContactPreference(user=user),
                webhooks=webhooks,
            )
        done = len(users) < chunk
        fields = {
            "processed": campaign.processed + len(users),
            "cursor": users[-1].pk if users else campaign.cursor,
            "last_step_at": timezone.now(),
            "lease_until": None,
        }
        if done:
            fields.update(status=CampaignStatus.DONE, finished_at=timezone.now())
        PushCampaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(**fields)
        if done:
            audit_record(
                actor="system",
                action="push_campaign.finished",
                target=campaign,
                after={"processed": fields["processed"]},
            )
    return None if done else step_seconds()


def push_campaigns_resume_stalled(*, now: dt.datetime | None = None) -> int:
    """Sweeper: re-dispatch campaigns whose step chain broke (worker died, broker lost)."""
    now = now or timezone.now()
    stall = now - _lease()
    stalled = list(
        PushCampaign.objects.filter(status=CampaignStatus.SENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(last_step_at__lt=stall) | Q(last_step_at__isnull=True, started_at__lt=stall))
        .values_list("pk", flat=True)
    )
    for campaign_id in stalled:
        push_campaign_enqueue(campaign_id)
    return len(stalled)
