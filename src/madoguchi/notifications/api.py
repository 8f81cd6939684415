"""JSON door to the mailbox (``/mailbox/...``) and to the staff notification tools
(``/notifications/{org}/...``). Same services and selectors as the HTML pages."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from ninja import Router, Schema, Status

from madoguchi.accounts.apiauth import require_user
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.notifications import selectors, services
from madoguchi.notifications.events import EVENTS

router = Router(tags=["mailbox", "notifications"])


class MailboxItemOut(Schema):
    id: UUID
    subject: str
    kind: str
    organization: str
    created_at: datetime
    read_at: datetime | None
    document_url: str | None


class MailboxItemDetailOut(MailboxItemOut):
    body: str
    downloaded_at: datetime | None


class PreferenceIn(Schema):
    email_enabled: bool
    line_enabled: bool
    line_user_id: str = ""


class PreferenceOut(PreferenceIn):
    pass


class NotificationOut(Schema):
    id: UUID
    event: str
    channel: str
    status: str
    recipient_id: int | None
    subject: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str


class PreviewIn(Schema):
    event: str
    language: str = "ja"
    subject: str
    body: str


class PreviewOut(Schema):
    subject: str
    body: str


class SegmentIn(Schema):
    kind: str
    min_age: str = ""
    max_age: str = ""
    procedure: str = ""


class CountOut(Schema):
    count: int


def _item(message, detail: bool = False) -> dict:
    data = {
        "id": message.pk,
        "subject": message.subject,
        "kind": message.kind,
        "organization": message.organization.name,
        "created_at": message.created_at,
        "read_at": message.read_at,
        "document_url": reverse("notifications:download", args=[message.pk]) if message.file else None,
    }
    if detail:
        data.update(body=message.body, downloaded_at=message.downloaded_at)
    return data


def _staff_organization(request, org_slug: str, *, manage: bool = False):
    user = require_user(request)
    try:
        return selectors.access_staff_organization(user=user, org_slug=org_slug, manage=manage)
    except PermissionDenied:
        raise PermissionDeniedError("この団体の通知を扱う権限がありません。") from None


@router.get("/mailbox/messages", response=list[MailboxItemOut], url_name="mailbox_messages")
def mailbox_messages(request):
    user = require_user(request)
    return [_item(m) for m in selectors.mailbox_list(user=user)[:200]]


@router.get("/mailbox/messages/{message_id}", response=MailboxItemDetailOut, url_name="mailbox_message")
def mailbox_message(request, message_id: str):
    user = require_user(request)
    message = selectors.access_mailbox_message(user=user, message_id=message_id)
    services.mailbox_mark_read(message=message, user=user)
    return _item(message, detail=True)


@router.get("/mailbox/settings", response=PreferenceOut, url_name="mailbox_settings")
def mailbox_settings(request):
    preference = services.contact_preference_get(user=require_user(request))
    return {
        "email_enabled": preference.email_enabled,
        "line_enabled": preference.line_enabled,
        "line_user_id": preference.line_user_id,
    }


@router.put("/mailbox/settings", response=PreferenceOut, url_name="mailbox_settings_update")
def mailbox_settings_update(request, payload: PreferenceIn):
    preference = services.contact_preference_update(user=require_user(request), **payload.dict())
    return {
        "email_enabled": preference.email_enabled,
        "line_enabled": preference.line_enabled,
        "line_user_id": preference.line_user_id,
    }


@router.get(
    "/notifications/{org_slug}/notifications", response=list[NotificationOut], url_name="staff_notifications"
)
def staff_notifications(request, org_slug: str, status: str = ""):
    organization = _staff_organization(request, org_slug)
    return list(
        selectors.notification_list(user=request.user, organization=organization, status=status)[:500]
    )


@router.post(
    "/notifications/{org_slug}/notifications/{notification_id}/resend",
    response=NotificationOut,
    url_name="staff_notification_resend",
)
def staff_notification_resend(request, org_slug: str, notification_id: str):
    organization = _staff_organization(request, org_slug)
    notification = selectors.access_notification(
        user=request.user, organization=organization, notification_id=notification_id
    )
    return services.notification_resend(notification=notification, actor=request.user)


@router.post(
    "/notifications/{org_slug}/templates/preview", response=PreviewOut, url_name="staff_template_preview"
)
def staff_template_preview(request, org_slug: str, payload: PreviewIn):
    organization = _staff_organization(request, org_slug, manage=True)
    errors = services.template_check(**payload.dict())
    if errors:
        raise FieldErrors(errors)
    subject, body = services.template_preview(organization=organization, **payload.dict())
    return {"subject": subject, "body": body}


@router.get("/notifications/events", url_name="notification_events")
def notification_events(request):
    return [
        {"id": e.id, "label": str(e.label), "placeholders": list(e.all_placeholders)} for e in EVENTS.values()
    ]


@router.post("/notifications/{org_slug}/push/count", response=CountOut, url_name="staff_push_count")
def staff_push_count(request, org_slug: str, payload: SegmentIn):
    organization = _staff_organization(request, org_slug, manage=True)
    return {"count": services.push_recipient_count(organization=organization, segment=payload.dict())}


class PushIn(Schema):
    title: str
    body: str
    segment: SegmentIn
    rate_per_minute: int = 600


class PushOut(Schema):
    id: UUID
    title: str
    status: str
    recipient_total: int
    processed: int
    rate_per_minute: int


@router.post("/notifications/{org_slug}/push", response={201: PushOut}, url_name="staff_push_create")
def staff_push_create(request, org_slug: str, payload: PushIn):
    organization = _staff_organization(request, org_slug, manage=True)
    campaign = services.push_campaign_create(
        organization=organization,
        actor=request.user,
        title=payload.title,
        body=payload.body,
        segment=payload.segment.dict(),
        rate_per_minute=payload.rate_per_minute,
    )
    return Status(201, campaign)


@router.post(
    "/notifications/{org_slug}/push/{campaign_id}/start", response=PushOut, url_name="staff_push_start"
)
def staff_push_start(request, org_slug: str, campaign_id: str):
    organization = _staff_organization(request, org_slug, manage=True)
    campaign = selectors.access_campaign(organization=organization, campaign_id=campaign_id)
    return services.push_campaign_start(campaign=campaign, actor=request.user)


@router.post(
    "/notifications/{org_slug}/push/{campaign_id}/pause", response=PushOut, url_name="staff_push_pause"
)
def staff_push_pause(request, org_slug: str, campaign_id: str):
    organization = _staff_organization(request, org_slug, manage=True)
    campaign = selectors.access_campaign(organization=organization, campaign_id=campaign_id)
    return services.push_campaign_pause(campaign=campaign, actor=request.user)


@router.get("/notifications/{org_slug}/push/{campaign_id}", response=PushOut, url_name="staff_push_detail")
def staff_push_detail(request, org_slug: str, campaign_id: str):
    organization = _staff_organization(request, org_slug, manage=True)
    return selectors.access_campaign(organization=organization, campaign_id=campaign_id)
