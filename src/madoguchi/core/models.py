from __future__ import annotations

from django.conf import settings
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


class ApiToken(models.Model):
    """A personal API token for scripts and mobile apps (``Authorization: Bearer <token>``).

    Only a SHA-256 digest of the token is stored: the token itself is shown once, when
    created. Tokens are 256-bit random values, so a fast digest is enough (no key stretching).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名前"), max_length=100, blank=True)
    prefix = models.CharField(_("識別子"), max_length=16)  # first characters, to recognise a token
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user_id})"
