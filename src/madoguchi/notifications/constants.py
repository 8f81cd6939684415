from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    MAILBOX = "mailbox", _("メールボックス")
    EMAIL = "email", _("メール")
    LINE = "line", _("LINE")
    WEBHOOK = "webhook", _("Webhook")


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("送信待ち")
    SENDING = "sending", _("送信中")
    SENT = "sent", _("送信済み")
    FAILED = "failed", _("送信失敗")


class DocumentKind(models.TextChoices):
    MESSAGE = "message", _("お知らせ")
    RECEIPT = "receipt", _("受付票")
    DECISION = "decision", _("決定通知書")
    PAYSLIP = "payslip", _("給与明細")
    ADMISSION_TICKET = "admission_ticket", _("受験票")
    OTHER = "other", _("その他の書類")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("処理待ち")
    PROCESSING = "processing", _("処理中")
    DONE = "done", _("完了")


class BatchRowStatus(models.TextChoices):
    PENDING = "pending", _("処理待ち")
    DELIVERED = "delivered", _("配信済み")
    UNMATCHED = "unmatched", _("該当者なし")
    FAILED = "failed", _("失敗")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SENDING = "sending", _("送信中")
    PAUSED = "paused", _("一時停止")
    DONE = "done", _("送信完了")


# Roles (accounts.constants.Role values) that may manage templates, batches and pushes.
MANAGER_ROLES = ("owner", "centre", "admin")

# Roles that read the whole organization's delivery log even when their membership names a
# department (as review's ORG_WIDE_ROLES); other department-limited staff read only the rows of
# their departments (``selectors.notification_departments``).
ORGANIZATION_WIDE_ROLES = ("centre", "auditor", "admin")
