from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        abstract = True


class DevMail(models.Model):
    """A message 'sent' by the development e-mail backend, shown on /dev/mail/."""

    to = models.TextField()
    subject = models.CharField(max_length=500)
    body = models.TextField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class KeyRotationProgress(models.Model):
    """How far ``madoguchi crypto rotate`` got in one encrypted field towards one key.

    One row per (field, key id): a rotation interrupted at any point resumes after ``last_pk``;
    a new current key starts every field again from the beginning.
    """

    store = models.CharField(max_length=120)  # "applications.Draft.data"
    key_id = models.CharField(max_length=32)  # the key tokens were rewritten to
    last_pk = models.CharField(max_length=64, blank=True)  # "" → not started
    rows_scanned = models.PositiveBigIntegerField(default=0)
    rows_rewritten = models.PositiveBigIntegerField(default=0)
    tokens_rewritten = models.PositiveBigIntegerField(default=0)
    tokens_unreadable = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "key_id"], name="key_rotation_store_key")]

    def __str__(self) -> str:
        return f"{self.store} → {self.key_id}"
