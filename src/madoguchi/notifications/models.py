"""Outbox, mailbox, templates, document batches and segment pushes.

The ``Notification`` row *is* the outbox: it is written in the transaction of the event
that causes it and is the only source of truth for what still has to be sent. Workers
claim a row with an atomic ``UPDATE ... WHERE status = 'queued'``; see services/delivery.py.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.notifications.constants import (
    BatchRowStatus,
    BatchStatus,
    CampaignStatus,
    ChannelKind,
    DocumentKind,
    NotificationStatus,
)


class ContactPreference(models.Model):
    """Which channels an applicant wants besides the mailbox (which always receives)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_preference"
    )
    email_enabled = models.BooleanField(_("メールで受け取る"), default=True)
    line_enabled = models.BooleanField(_("LINE で受け取る"), default=False)
    line_user_id = models.CharField(_("LINE ユーザー ID"), max_length=64, blank=True)
    # Staff: work that reaches them arrives in the mailbox at once; by e-mail at once, or in one
    # e-mail a day (digest) when this is set.
    staff_digest = models.BooleanField(_("処理の依頼メールを1日1回にまとめる"), default=False)
    updated_at = models.DateTimeField(auto_now=True)


class WebhookEndpoint(models.Model):
    """Another system of the organization that receives signed event notifications."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(_("名前"), max_length=100)
    url = models.URLField(_("送信先 URL"), max_length=500)
    secret = models.CharField(_("署名用の秘密鍵"), max_length=200)
    events = models.JSONField(_("対象イベント"), default=list, blank=True)  # [] = every event
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.active and (not self.events or event in self.events)


class Notification(models.Model):
    """One message to one recipient over one channel (an outbox row)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.UUIDField(db_index=True)  # rows written by the same enqueue call
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="notifications")
    # The department whose work the message is about (the procedure's, the facility's): staff
    # limited to departments read only their departments' delivery logs. Empty: organization-wide.
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # "user:<id>" or "webhook:<id>": the idempotency key works for recipients without a user.
    recipient_key = models.CharField(max_length=64)
    channel = models.CharField(max_length=20, choices=ChannelKind.choices)
    event = models.CharField(max_length=80)
    dedupe_key = models.CharField(max_length=200)
    language = models.CharField(max_length=8, default="ja")
    sensitive = models.BooleanField(default=False)
    address = models.CharField(max_length=500, blank=True)  # e-mail, LINE user id or URL at enqueue time
    subject = models.CharField(max_length=300)
    body = models.TextField()
    payload = models.JSONField(default=dict, blank=True)  # webhook body data (never sensitive)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)  # last hand-over to the broker
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "recipient_key", "channel", "event", "dedupe_key"],
                name="notification_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["organization", "status", "-created_at"], name="notification_org_status"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_key} ({self.channel})"


class NotificationTemplate(models.Model):
    """An organization's wording for one event in one language (overrides the default)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notification_templates"
    )
    event = models.CharField(_("イベント"), max_length=80)
    language = models.CharField(_("言語"), max_length=8)
    subject = models.CharField(_("件名"), max_length=300)
    body = models.TextField(_("本文"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "event", "language"], name="notification_template_unique"
            )
        ]


class Member(models.Model):
    """An employee or member number (職員番号・組合員番号) of a person in an organization.

    Used to match bulk documents (給与明細) to people and to build push segments.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    number = models.CharField(_("職員番号・組合員番号"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_numbers"
    )
    birth_date = models.DateField(_("生年月日"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="member_number_unique"),
            models.UniqueConstraint(fields=["organization", "user"], name="member_user_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.number}"


class DeliveryBatch(models.Model):
    """A bulk upload of documents (ZIP of PDFs + CSV) to deliver to people's mailboxes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="delivery_batches")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("件名"), max_length=200)
    document_kind = models.CharField(
        max_length=20, choices=DocumentKind.choices, default=DocumentKind.PAYSLIP
    )
    archive = models.FileField(upload_to="delivery-batches/%Y/%m/", max_length=300)
    status = models.CharField(max_length=12, choices=BatchStatus.choices, default=BatchStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    delivered_count = models.PositiveIntegerField(default=0)
    unmatched_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class DeliveryBatchRow(models.Model):
    batch = models.ForeignKey(DeliveryBatch, on_delete=models.CASCADE, related_name="rows")
    line_number = models.PositiveIntegerField()
    employee_number = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=BatchRowStatus.choices, default=BatchRowStatus.PENDING)
    message = models.CharField(max_length=300, blank=True)
    mailbox_message = models.ForeignKey(
        "MailboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["batch_id", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line_number"], name="batch_row_unique"),
        ]


class MailboxMessage(models.Model):
    """A message or a document in a person's mailbox. Only its owner can ever see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailbox")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, default=DocumentKind.MESSAGE)
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    file = models.FileField(upload_to="mailbox/%Y/%m/", max_length=300, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # Idempotency: the same source (notification, batch row, receipt) delivers once.
    source_key = models.CharField(max_length=200)
    notification = models.OneToOneField(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="mailbox_message"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)  # read receipt (first opening)
    downloaded_at = models.DateTimeField(null=True, blank=True)  # first download of the document

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "source_key"], name="mailbox_source_once"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="mailbox_user_recent")]

    @property
    def is_document(self) -> bool:
        return bool(self.file)


class PushCampaign(models.Model):
    """An information notice sent to a segment, throttled and resumable (cursor = last user id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="push_campaigns")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"))
    segment = models.JSONField(default=dict)  # {"kind": "members_by_age", "min_age": 40, "max_age": 74}
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    rate_per_minute = models.PositiveIntegerField(_("1分あたりの送信数"), default=600)
    recipient_total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    cursor = models.BigIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_step_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rate_per_minute__gte=1), name="push_rate_positive"),
        ]


class DevOutboxMessage(models.Model):
    """What the development LINE and webhook channels 'sent' (inspectable on the staff page)."""

    channel = models.CharField(max_length=20)
    to = models.CharField(max_length=500)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
